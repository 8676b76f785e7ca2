// A terminal that vanishes without FIN or RST (a power cut, a NAT that dropped its mapping) must not hold its slot for
// ever with the default idleTimeout 0: every accepted socket has TCP keepalive on (`keepAlive`, default 60000 ms). What
// can really be seen of it: on Linux, /proc/net/tcp shows the server side's timer as the keepalive timer (`tr` 2) on an
// idle established connection, and no timer (`tr` 0) without it; and a bad value is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { Iso8583Error } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { validateInboundOptions } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

const PROC = '/proc/net/tcp';

/** The `tr` (timer kind) of the established IPv4 connection from local `port` to remote `peer`, or undefined. */
function timerOf(port: number, peer: number): number | undefined {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync(PROC, 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 6 || cols[3] !== '01') continue; // 01: ESTABLISHED
    if (cols[1]?.endsWith(`:${hex(port)}`) === true && cols[2]?.endsWith(`:${hex(peer)}`) === true) return Number(cols[5]?.split(':')[0]);
  }
  return undefined;
}

for (const { keepAlive, timer } of [{ keepAlive: undefined, timer: 2 }, { keepAlive: 0, timer: 0 }]) {
  test(`keepAlive ${keepAlive ?? '(default)'} – the accepted socket's timer is ${timer === 2 ? 'the keepalive timer' : 'none'} while it is idle`, { skip: !existsSync(PROC) }, async (t) => {
    const { port } = await startEndpoint(t, { sequence: approveAll, ...(keepAlive === undefined ? {} : { keepAlive }) });
    const client = await TestClient.connect(port);
    t.after(() => client.destroy());
    // A message answered: the connection is accepted, open, and idle (nothing unacknowledged in flight).
    assert.equal((await client.request(purchase(1))).fields['39'], '00');
    const peer = client.socket.localPort!;
    await waitUntil(() => timerOf(port, peer) === timer, { what: `timer ${timer} on the endpoint's side of the connection (now ${timerOf(port, peer)})` });
  });
}

test('keepAlive – a negative, fractional, too large or non-number value is refused naming it', () => {
  for (const keepAlive of [-1, 1.5, 2 ** 31, '60000']) {
    assert.throws(() => validateInboundOptions({ port: 0, sequence: approveAll, keepAlive: keepAlive as number }), (err: Iso8583Error) => {
      assert.equal(err.code, 'ISO8583_ERR_INBOUND_OPTIONS');
      assert.deepEqual(err.problems?.map((p) => p.field), ['keepAlive']);
      return true;
    });
  }
  assert.equal(validateInboundOptions({ port: 0, sequence: approveAll }).keepAlive, 60000);
});
