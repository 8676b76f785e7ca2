/**
 * Traces show a request as it went on the wire (`"11": 618164` as 618164, `"41": 992468` as the 00992468 of
 * SmartVista's `n 8` field 41), and the link's own messages: each attempt of a reversal and its answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createConnector } from '@iso8583/connector';
import { createInboundEndpoint, responseMti } from '@iso8583/inbound';
import { waitUntil } from '@iso8583/test-support';
import { createTracer } from '../src/trace.js';

const PAN = '4111111111111111';

/** A logger at `info` whose lines land in `lines`, parsed. */
function captured(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  return { logger: pino({ level: 'info' }, sink), lines };
}

/** A SmartVista purchase as SocketQueue's README sends it: STAN and terminal as JSON numbers. */
function svPurchase(): Record<string, string | number> {
  return {
    '0': '0200', '2': PAN, '3': '000000', '4': 1000, '7': '0818160933', '11': 618164, '12': '150820130600', '22': '056',
    '24': '200', '25': '00', '41': 992468, '42': 124642124643, '49': '810',
  };
}

test('trace – a request with numbers is traced as it went on the wire: STAN 618164, terminal 00992468, PAN masked', () => {
  const { logger, lines } = captured();
  createTracer({ logger, dialect: 'smartvista', logMessages: true }).message('out', svPurchase(), { side: 'upstream', peer: '127.0.0.1:1' });
  const line = lines[0] as { stan?: string; terminal?: string; msg: string };
  assert.equal(line.stan, '618164');
  assert.equal(line.terminal, '00992468');
  assert.match(line.msg, /41 .*: 00992468/);
  assert.doesNotMatch(JSON.stringify(lines), new RegExp(PAN));
});

test('trace – a reversal the connector sends, and its answer, get their trace lines', async (t) => {
  const bank = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    dialect: 'smartvista',
    frame: 'ascii4',
    // The purchase is never answered (the connector times out and reverses it); the reversal is approved.
    sequence: (m) => (m.mti === '0200' ? null : { ...m.fields, 0: responseMti(m.mti), 39: '000' }),
  });
  const { port } = await bank.start();
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-trace-reversal-'));
  const connector = createConnector({
    host: '127.0.0.1', port, dialect: 'smartvista', frame: 'ascii4', requestTimeout: 200,
    reversal: { enabled: true, journalDir: dir, retryInterval: 200 },
  });
  t.after(async () => {
    await connector.destroy();
    await bank.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const { logger, lines } = captured();
  const link = createTracer({ logger, dialect: 'smartvista', logMessages: true }).wrap('upstream', `127.0.0.1:${port}`, connector);
  await assert.rejects(link.request(svPurchase()), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const answer = await waitUntil(() => lines.find((l) => l.direction === 'in' && l.mti === '0410'), { what: 'the trace line of the reversal\'s answer' });
  const attempt = lines.find((l) => l.direction === 'out' && l.mti === '0400');
  assert.ok(attempt, 'the reversal attempt is traced');
  assert.deepEqual([attempt.stan, attempt.terminal, attempt.saf, attempt.attempt], ['618164', '00992468', 'reversal', 1]);
  assert.deepEqual([answer.responseCode, answer.saf, typeof answer.latencyMs], ['000', 'reversal', 'number']);
  const purchase = lines.find((l) => l.direction === 'out' && l.mti === '0200');
  assert.deepEqual([purchase?.stan, purchase?.terminal, purchase?.code], ['618164', '00992468', 'ISO8583_ERR_CONNECTOR_TIMEOUT']);
  assert.doesNotMatch(JSON.stringify(lines), new RegExp(PAN));
});

test('trace – a relayed request (the decoded view of the bytes that go as they came) is shown as it is, not packed again', async (t) => {
  const bank = createInboundEndpoint({ port: 0, host: '127.0.0.1', dialect: 'iso87ascii', sequence: (m) => ({ ...m.fields, 0: responseMti(m.mti), 39: '00' }) });
  const { port } = await bank.start();
  const connector = createConnector({ host: '127.0.0.1', port, dialect: 'iso87ascii' });
  t.after(async () => {
    await connector.destroy();
    await bank.destroy();
  });
  const { logger, lines } = captured();
  const link = createTracer({ logger, dialect: 'iso87ascii', logMessages: true }).wrap('upstream', `127.0.0.1:${port}`, connector);
  const fields = { '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '7': '1121103000', '11': '000042', '41': 'TERM0001', '49': '840' };
  const body = connector.codec.pack(fields);
  // The view a packing would change (field 4, n 12, padded to 000000000077): shown as the relay gave it, so the trace
  // read the view and packed nothing; the bytes, as they came, carry the amount 1000.
  const answer = await link.relay({ message: { ...fields, '4': '77' }, body, dialect: connector.codec.dialect });
  assert.equal(answer.message['4'], '000000001000', 'the bank got the bytes as they came');
  const out = lines.find((l) => l.direction === 'out') as { msg: string; stan?: string } | undefined;
  assert.ok(out, 'the relayed request is traced');
  assert.equal(out.stan, '000042');
  assert.match(out.msg, /\n +4 .*: 77\n/, out.msg);
  assert.doesNotMatch(JSON.stringify(lines), new RegExp(PAN));
});
