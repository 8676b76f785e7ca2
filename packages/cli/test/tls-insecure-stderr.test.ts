// `send --tls-insecure` said nothing (the connector's warning is below send's default log level, and named
// `tls.rejectUnauthorized`), `load --tls-insecure` never warned (it connects with node:tls itself): now both write
// `iso8583: warning: ISO8583_WARN_TLS_INSECURE: --tls-insecure: ...` to stderr, as docs/errors.md says of every start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { runCli } from './cli-process.js';

const ECHO = JSON.stringify({ '0': '0800', '11': '000001', '41': 'TERM0001', '70': '301' });
const WARNING = /^iso8583: warning: ISO8583_WARN_TLS_INSECURE: --tls-insecure: the host's certificate is not verified: .*\(testing only\)$/m;

test('send and load with --tls-insecure warn on stderr naming the flag; without it, no warning', async (t) => {
  // A host that closes every connection at once: each run fails fast, after its warning.
  const server = createServer((socket) => socket.destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const port = String((server.address() as AddressInfo).port);
  const send = await runCli(['send', '--port', port, '--tls', '--tls-insecure', '--timeout', '2000'], ECHO);
  assert.equal(send.code, 1, send.stderr);
  assert.match(send.stderr, WARNING);
  assert.equal(send.stderr.match(/ISO8583_WARN_TLS_INSECURE/g)?.length, 1, send.stderr);
  const load = await runCli(['load', '--port', port, '--tls', '--tls-insecure', '--clients', '1', '--count', '1', '--quiet', '--json']);
  assert.match(load.stderr, WARNING);
  const checked = await runCli(['send', '--port', port, '--tls', '--timeout', '2000'], ECHO);
  assert.equal(checked.code, 1, checked.stderr);
  assert.doesNotMatch(checked.stderr, /WARN_TLS_INSECURE/);
});
