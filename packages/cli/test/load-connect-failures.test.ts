// `iso8583 load --clients 2` whose second terminal cannot connect (its TLS handshake cut by the host's front, as a host
// at its connection limit does): every request goes through the one terminal and is answered, and the run exits 1,
// the summary saying `(1 could not connect)`. It exited 0 before: a run with fewer terminals than asked passed a CI
// gate. The real binary, a real TLS host (simulate-host) behind a real TCP front that lets one connection through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { runCli, startCli } from './cli-process.js';
import { tlsFiles } from './helpers/tls-files.js';

test('load whose terminals could not all connect exits 1, every request answered through the others', async (t) => {
  const tls = tlsFiles(t, 'load-connect');
  const host = await startCli(['simulate-host', '--port', '0', '--tls-cert', tls.serverCert, '--tls-key', tls.serverKey]);
  t.after(() => host.stop());
  // The front: the first connection is carried to the host, every later one cut before its handshake.
  const sockets = new Set<net.Socket>();
  let through = 0;
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    if (through++ > 0) {
      socket.destroy();
      return;
    }
    const upstream = net.connect(host.port, host.host);
    sockets.add(upstream);
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    front.close();
  });
  const port = (front.address() as net.AddressInfo).port;
  const r = await runCli(['load', '--port', String(port), '--tls-ca', tls.ca, '--clients', '2', '--count', '4', '--json', '--quiet']);
  const summary = JSON.parse(r.stdout) as { clients: number; connectFailures: number; sent: number; answered: number };
  assert.equal(summary.connectFailures, 1, r.stderr);
  assert.equal(summary.sent, 4);
  assert.equal(summary.answered, 4, 'every request answered through the terminal that connected');
  assert.equal(r.code, 1, 'fewer terminals than asked: not the load asked for');
});
