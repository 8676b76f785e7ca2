// `iso8583 load` against a host that closes some connections at accept (Node's `maxConnections`, a host at its limit):
// the terminals it closed are counted (`lostConnections`, "(2 closed or lost)") and the exit code is 1. Before,
// at a rate, their slots went to the terminals left: "clients 4 ... 20 answered of 20 sent", exit 0, while the host
// saw 2 terminals, so a CI gate passed a host that turned half the terminals away. The real binary, a real host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { LoadSummary } from '../src/index.js';
import { runCli } from './cli-process.js';
import { answerFrame, loadCodec } from './helpers/load-host.js';

/** A host that answers 00 to every purchase and admits `max` connections, closing the others at accept. */
async function cappedHost(t: { after: (fn: () => Promise<void>) => void }, max: number): Promise<{ port: number; terminals: Set<string> }> {
  const terminals = new Set<string>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const payload = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + payload.length);
        const request = loadCodec.decode(payload).message;
        terminals.add(request['41'] as string);
        socket.write(answerFrame(request));
      }
    });
  });
  server.maxConnections = max;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { port: (server.address() as net.AddressInfo).port, terminals };
}

// Without a rate the two terminals left send 200 requests one at a time: the closes come long before the run's end.
for (const rate of [['--rate', '20', '--count', '20'], ['--count', '200']]) {
  const name = rate.length > 2 ? 'at a rate' : 'without a rate';
  test(`load ${name}: terminals the host closed at accept are counted, exit 1`, async (t) => {
    const host = await cappedHost(t, 2);
    const r = await runCli(['load', '--port', String(host.port), '--clients', '4', ...rate, '--json', '--quiet']);
    const summary = JSON.parse(r.stdout) as LoadSummary;
    assert.equal(host.terminals.size, 2);
    assert.equal(summary.clients, 4);
    assert.equal(summary.lostConnections, 2, r.stdout);
    assert.equal(r.code, 1, r.stdout);
  });
}

test('load: the text summary says how many terminals the host closed', async (t) => {
  const host = await cappedHost(t, 2);
  const r = await runCli(['load', '--port', String(host.port), '--clients', '4', '--count', '20', '--rate', '20', '--quiet']);
  assert.match(r.stdout, /^clients {7}4 \(2 closed or lost\)$/m);
  assert.equal(r.code, 1, r.stdout);
});
