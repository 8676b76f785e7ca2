// An undecodable response whose match key (MTI, 11, 41) can still be read from its bytes fails its request at once with
// ISO8583_ERR_CONNECTOR_BAD_RESPONSE (outcome unknown: a purchase is reversed); one whose key cannot be read is
// dropped as before (its request times out). The host is a raw TCP peer writing corrupt bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame } from '@iso8583/codec';
import { Iso8583Error } from '@iso8583/codec';
import { createConnector } from '../src/index.js';
import type { ReversalEvent } from '../src/index.js';
import { answer, corruptResponse, purchase, startPeer } from './peer.js';


test('a corrupt response with a readable key fails its request at once with BAD_RESPONSE, naming the field', async (t) => {
  const peer = await startPeer((r, p) => {
    if (r.message['11'] === '030002') p.send(r.socket, answer(r.message));
    else r.socket.write(corruptResponse(p, answer(r.message)));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 60_000 });
  const problems: Iso8583Error[] = [];
  connector.on('error', (e: Iso8583Error) => problems.push(e));
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const err = await connector.request(purchase('030001')).then(
    () => assert.fail('must fail'),
    (e: unknown) => e as Iso8583Error,
  );
  assert.ok(err instanceof Iso8583Error);
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_BAD_RESPONSE');
  assert.equal(err.field, '70');
  assert.equal(err.mti, '0200');
  assert.doesNotMatch(err.message, /4111111111111111|X0Y/);
  assert.equal(problems.length, 1);
  // The connection stays usable: the next response decodes and matches.
  const ok = await connector.request(purchase('030002'));
  assert.equal(ok['39'], '00');
  const s = connector.stats();
  assert.equal(s.errors, 1);
  assert.equal(s.timeouts, 0);
  assert.equal(s.amounts.processed, 1000);
});

test('with reversal on, a purchase whose response does not decode is reversed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-bad-'));
  const peer = await startPeer((r, p) => {
    if (r.message['0'] === '0200') r.socket.write(corruptResponse(p, answer(r.message)));
    else p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 60_000,
    reversal: { enabled: true, journalDir: dir },
  });
  connector.on('error', () => undefined);
  // The folder goes once the connector has stopped writing to it (removed while it writes, rmdir fails: ENOTEMPTY).
  t.after(async () => {
    await connector.destroy();
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const answered = new Promise<ReversalEvent>((resolve) =>
    connector.on('reversal', (e: ReversalEvent) => e.stage === 'answered' && resolve(e)),
  );
  await assert.rejects(connector.request(purchase('031001')), { code: 'ISO8583_ERR_CONNECTOR_BAD_RESPONSE' });
  const e = await answered;
  assert.equal(e.stan, '031001');
  const reversal = peer.received.find((r) => r.message['0'] === '0400');
  assert.equal(String(reversal?.message['90']).slice(0, 10), '0200031001');
  assert.deepEqual(connector.stats().amounts, { processed: 0, secured: 0, refund: 0, reversal: 1000 });
});

test('a corrupt response whose key cannot be read (garbage MTI) is dropped: its request times out', async (t) => {
  const peer = await startPeer((r, p) => {
    const body = Buffer.from(p.codec.pack(answer(r.message)));
    body.write('02X0', 0, 'latin1');
    r.socket.write(encodeFrame(body, p.framing));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 200 });
  connector.on('error', () => undefined);
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await assert.rejects(connector.request(purchase('032001')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
});

test('a corrupt response to a request without field 41 fails it at once with BAD_RESPONSE: an absent key field is read as empty', async (t) => {
  const peer = await startPeer((r, p) => r.socket.write(corruptResponse(p, answer(r.message))));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 20_000 });
  connector.on('error', () => undefined);
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  // An echo test: no terminal, so neither the request nor its answer carries field 41.
  const request = connector.request({ '0': '0800', '7': '1205092320', '11': '033001', '70': '301' });
  await assert.rejects(request, { code: 'ISO8583_ERR_CONNECTOR_BAD_RESPONSE', field: '70', mti: '0800' });
});
