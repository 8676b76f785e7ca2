// `iso8583 send` names the flags the user gave, not the connector's options it sets from them: a connection not made
// in time names --timeout (not connectTimeout), an empty --host is refused as a flag before any connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { once } from 'node:events';
import { runCli } from './cli-process.js';

const ECHO = JSON.stringify({ '0': '0800', '11': '000001', '41': 'TERM0001', '70': '301' });

/** A TCP server that takes connections and never answers (a TLS handshake to it never ends). */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    sockets.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

async function stop(s: { server: Server; sockets: Socket[] }): Promise<void> {
  for (const socket of s.sockets) socket.destroy();
  s.server.close();
  await once(s.server, 'close');
}

test('a TLS handshake not done within --timeout: the error names --timeout, not the connector option', async () => {
  const s = await silentServer();
  try {
    const r = await runCli(['send', '--port', String(s.port), '--tls', '--tls-insecure', '--timeout', '300'], ECHO);
    assert.equal(r.code, 1, r.stderr);
    // After the warning --tls-insecure gives (tls-insecure-stderr.test.ts).
    assert.match(r.stderr, /^iso8583: warning: ISO8583_WARN_TLS_INSECURE: --tls-insecure: .*\n/);
    assert.equal(r.stderr.replace(/^iso8583: warning: .*\n/, ''), 'iso8583: ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT: --timeout: no connection to the host within 300 ms\n');
  } finally {
    await stop(s);
  }
});

test('an empty --host is refused as the flag, before any connection', async () => {
  const s = await silentServer();
  try {
    const r = await runCli(['send', '--host=', '--port', String(s.port), '--timeout', '300'], ECHO);
    assert.equal(r.code, 1, r.stderr);
    // The flag table's one rule for an empty string flag (flag-table.ts), as every command says it.
    assert.equal(r.stderr, 'iso8583: ISO8583_ERR_CLI_OPTION: --host must not be empty\n');
    assert.equal(s.sockets.length, 0);
  } finally {
    await stop(s);
  }
});
