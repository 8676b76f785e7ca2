/**
 * The per-address connection limit (`maxConnectionsPerAddress`): real clients from two loopback addresses (127.0.0.1
 * and 127.0.0.2 are two peers to the endpoint). One address that has spoken on every slot it may hold never takes the
 * last ones from the others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { defaultPerAddress, validateInboundOptions } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, rawConnect } from './support/gates.js';
import { captureLogs } from './support/logs.js';

const OTHER = '127.0.0.2';

test('per address – one address holding its share with talking clients is refused one more; another address is served', async (t) => {
  const logs = captureLogs('info');
  // Default share of 10 slots: 9 (a tenth kept for the others).
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, maxConnections: 10, logger: logs.logger });
  const mine: TestClient[] = [];
  t.after(() => {
    for (const c of mine) c.destroy();
  });
  for (let i = 0; i < 9; i++) {
    const client = await TestClient.connect(port);
    mine.push(client);
    assert.equal((await client.request(purchase(100 + i))).fields['39'], '00');
  }
  const over = await rawConnect(port);
  await within(closedBy(over), 10000, 'the tenth connection of 127.0.0.1 is refused');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TOO_MANY_FROM_ADDRESS, 1);
  const other = await TestClient.connect(port, { localAddress: OTHER });
  t.after(() => other.destroy());
  assert.equal((await other.request(purchase(200))).fields['39'], '00', 'the client of another address is served');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TOO_MANY_CONNECTIONS, undefined);
  const line = logs.text().split('\n').find((l) => l.includes('ISO8583_ERR_INBOUND_TOO_MANY_FROM_ADDRESS'));
  assert.ok(line !== undefined, 'the refusal is logged with its code');
  assert.equal((JSON.parse(line) as { remoteAddress?: string }).remoteAddress, '127.0.0.1');
  // The address's own clients keep their connections.
  assert.equal((await mine[0]!.request(purchase(300))).fields['39'], '00');
});

test('per address – at its share an address makes room among its own silent connections, never another address\'s', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, maxConnections: 4, maxConnectionsPerAddress: 2, firstMessageTimeout: 0 });
  const theirs = await rawConnect(port, OTHER);
  t.after(() => theirs.destroy());
  const talking = await TestClient.connect(port);
  t.after(() => talking.destroy());
  assert.equal((await talking.request(purchase(400))).fields['39'], '00');
  const silent = await rawConnect(port);
  t.after(() => silent.destroy());
  const newcomer = await TestClient.connect(port);
  t.after(() => newcomer.destroy());
  await within(closedBy(silent), 10000, 'the address\'s own silent connection makes room');
  assert.equal((await newcomer.request(purchase(401))).fields['39'], '00');
  assert.equal(theirs.closed, false, 'the silent connection of the other address is kept');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_EVICTED, 1);
  // A third talking connection of 127.0.0.1 finds no silent one of its own: refused, though the endpoint has room.
  const third = await rawConnect(port);
  await within(closedBy(third), 10000, 'the third connection of 127.0.0.1 is refused');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TOO_MANY_FROM_ADDRESS, 1);
  assert.equal(theirs.closed, false);
});

test('per address – the default is maxConnections less a tenth (all of them below 10); 0 is refused by name', () => {
  assert.equal(validateInboundOptions({ port: 0, sequence: approveAll }).maxConnectionsPerAddress, 9000);
  assert.equal(validateInboundOptions({ port: 0, sequence: approveAll, maxConnections: 1000 }).maxConnectionsPerAddress, 900);
  assert.equal(validateInboundOptions({ port: 0, sequence: approveAll, maxConnections: 5, maxConnectionsPerAddress: 50 }).maxConnectionsPerAddress, 50);
  assert.deepEqual([1, 2, 9, 10, 19, 20].map(defaultPerAddress), [1, 2, 9, 9, 18, 18]);
  assert.throws(() => validateInboundOptions({ port: 0, sequence: approveAll, maxConnectionsPerAddress: 0 }),
    (err: { code?: string; problems?: Array<{ field: string }> }) =>
      err.code === 'ISO8583_ERR_INBOUND_OPTIONS' && err.problems?.some((p) => p.field === 'maxConnectionsPerAddress') === true);
});
