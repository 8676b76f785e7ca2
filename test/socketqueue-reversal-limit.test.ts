/**
 * SocketQueue's limit on a reversal, as the guide gives it (docs/gateway.md, "Coming from SocketQueue"): with
 * `--saf-max-attempts 11` (its first 0400 and 10 repeats) a reversal the bank never answers is given up after its 11th
 * attempt, and that stays visible: logged at error with `ISO8583_WARN_SAF_ABANDONED` and counted in `/stats`. The
 * repeats are 0401 (SocketQueue repeated 0400): the difference the guide states.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameDecoder, createCodec } from '@iso8583/codec';
import { httpCall, waitUntil } from '@iso8583/test-support';
import { startGateway, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-sq-reversal-'));
const codec = createCodec('smartvista');
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test('SocketQueue reversal limit – --saf-max-attempts 11 gives a silent bank\'s reversal up after 0400 and 10 repeats, at error and in /stats', async (t) => {
  // A SmartVista bank framed as SocketQueue frames (4 ASCII digits) that reads everything and answers nothing.
  const mtis: string[] = [];
  const sockets = new Set<Socket>();
  const bank = createServer((socket) => {
    sockets.add(socket);
    const decoder = new FrameDecoder({ lengthHeader: 'ascii4' });
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) mtis.push(String(codec.unpack(Buffer.from(frame.payload))['0']));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => bank.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    bank.close();
  });
  const port = (bank.address() as AddressInfo).port;
  const gw = await startGateway(
    [
      '--upstreamHost=127.0.0.1', `--upstreamPort=${port}`, '--request-timeout', '300', '--reversal-retry-interval', '50',
      '--saf-max-attempts', '11', '--reversal-journal', join(work, 'state'),
    ],
    { env: { ISO8583_LOG_FORMAT: 'json' } },
  );
  const purchase = {
    '0': '0200', '3': '0', '4': 1000, '7': '0818160933', '11': 618170, '12': '150820130600', '22': '056', '24': '200',
    '25': '00', '41': 992468, '42': 124642124643, '49': '810',
  };
  const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify(purchase));
  assert.equal(answer.status, 504);
  assert.deepEqual(JSON.parse(answer.body), { result: '', errors: ['Gateway timeout'] });
  const line = await waitUntil(
    () => gw.process.stderr().split('\n').find((l) => l.includes('ISO8583_WARN_SAF_ABANDONED')),
    { what: 'the abandoned reversal logged', timeoutMs: 20_000, intervalMs: 20 },
  );
  const entry = JSON.parse(line) as { level: number; stan?: string };
  assert.equal(entry.level, 50, 'logged at error: money may stay unreversed');
  // The 11th attempt left before its wait ran out; its frame is read here (the bank is this process).
  await waitUntil(() => mtis.length >= 11 || undefined, { what: 'the 11th reversal at the bank', timeoutMs: 5_000, intervalMs: 10 });
  assert.deepEqual(mtis, ['0200', '0400', ...Array<string>(10).fill('0401')]);
  // Counted once its end is durable in the journal (written after the log line).
  type Upstream = { safAbandoned?: number; safDepth?: number };
  const upstream = await waitUntil(async () => {
    const stats = JSON.parse((await httpCall(gw.http.port, 'GET', '/stats', {})).body) as { upstream: Upstream };
    return (stats.upstream.safAbandoned ?? 0) > 0 ? stats.upstream : undefined;
  }, { what: 'safAbandoned in /stats', timeoutMs: 10_000, intervalMs: 20 });
  assert.equal(upstream.safAbandoned, 1, JSON.stringify(upstream));
  assert.equal(upstream.safDepth, 0);
});
