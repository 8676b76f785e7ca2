/**
 * A bank that refuses the connection, with the real binary: the gateway's HTTP 502 body says "cannot connect to the
 * host (ECONNREFUSED)" and never the bank's address (any HTTP client reads it; the SocketQueue profile has no token),
 * while the gateway's own `connection failed` log line names it (`host`, `port`) for the operator.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { httpCall } from '@iso8583/test-support';
import { startGateway, stopAll } from './helpers/cli.js';

after(stopAll);

test('gateway: a refused bank link answers 502 with no bank address in the body; the log line has it', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const gw = await startGateway(['--upstream', `127.0.0.1:${port}`, '--no-reversal', '--no-transaction-log', '--echo-interval', '0']);
  const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify({ 0: '0800', 11: '000001', 70: '301' }));
  assert.equal(answer.status, 502, answer.body);
  assert.match(answer.body, /cannot connect to the host \(ECONNREFUSED\)/);
  assert.ok(!answer.body.includes('127.0.0.1') && !answer.body.includes(`:${port}`), answer.body);
  gw.process.kill('SIGTERM');
  await gw.process.exited;
  // The log (stderr), whole once the process has exited.
  const line = gw.process.stderr().split('\n').find((l) => l.includes('"msg":"connection failed"'));
  assert.ok(line !== undefined && line.includes('"host":"127.0.0.1"') && line.includes(`"port":${port}`), gw.process.stderr().slice(-2000));
});
