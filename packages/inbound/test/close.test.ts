import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import type { Iso8583Error } from '@iso8583/codec';
import { waitUntil, within } from '@iso8583/test-support';
import { createInboundEndpoint } from '../src/index.js';
import type { ConnectionInfo, DisconnectInfo, Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll } from './support/endpoint.js';
import { gate } from './support/gates.js';

test('close – stops accepting, lets the message in flight be answered, then closes the connection', async () => {
  let release: (() => void) | undefined;
  const gate = new Promise<void>((r) => (release = r));
  const sequence: Sequence = async (m, c) => {
    await gate;
    return approveAll(m, c);
  };
  const endpoint = createInboundEndpoint({ port: 0, sequence });
  const { port } = await endpoint.start();
  const client = await TestClient.connect(port);
  client.send(purchase(1));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'one message in flight' });
  const closing = endpoint.close();
  assert.equal(endpoint.close(), closing, 'close() is idempotent');
  await waitUntil(() => endpoint.address() === null, { what: 'the endpoint to stop listening' });
  await assert.rejects(
    new Promise((resolve, reject) => connect({ host: '127.0.0.1', port }, () => resolve(undefined)).on('error', reject)),
  );
  release?.();
  assert.equal((await client.reply()).fields['11'], '000001');
  await client.closed;
  await closing;
  assert.equal(endpoint.stats().connections, 0);
});

test('close – connections still busy at the deadline are destroyed', async () => {
  const endpoint = createInboundEndpoint({ port: 0, sequence: () => new Promise(() => undefined) });
  const { port } = await endpoint.start();
  const client = await TestClient.connect(port);
  client.send(purchase(2));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'one message in flight' });
  await endpoint.close({ deadline: 50 });
  await client.closed;
  assert.equal(endpoint.stats().connections, 0);
});

test('close – before start, and start after close', async () => {
  const endpoint = createInboundEndpoint({ port: 0, sequence: approveAll });
  await endpoint.close();
  await assert.rejects(endpoint.start(), { code: 'ISO8583_ERR_INBOUND_LISTEN' });
  assert.equal(endpoint.address(), null);
});

test('start – the same promise twice; a port in use is a coded listen error; an unknown sequence fails start', async () => {
  const first = createInboundEndpoint({ port: 0, sequence: approveAll });
  const started = first.start();
  assert.equal(first.start(), started);
  const { port } = await started;
  const second = createInboundEndpoint({ port, sequence: approveAll });
  await assert.rejects(second.start(), { code: 'ISO8583_ERR_INBOUND_LISTEN', field: 'port' });
  const third = createInboundEndpoint({ port: 0, sequence: 'no-such-sequence-anywhere' });
  await assert.rejects(third.start(), { code: 'ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND' });
  await Promise.all([first.close(), second.close(), third.close()]);
});

test('events – listening, connection and close', async () => {
  const endpoint = createInboundEndpoint({ port: 0, sequence: approveAll });
  const events: string[] = [];
  endpoint.on('listening', () => events.push('listening'));
  endpoint.on('connection', () => events.push('connection'));
  endpoint.on('close', () => events.push('close'));
  const { port } = await endpoint.start();
  const client = await TestClient.connect(port);
  await waitUntil(() => events.includes('connection'), { what: 'the connection event' });
  client.destroy();
  await endpoint.close();
  assert.deepEqual(events, ['listening', 'connection', 'close']);
});

test('destroy – aborts: the message in flight gets no reply, the connection is destroyed at once; idempotent', async () => {
  const entered = gate();
  const sequence: Sequence = async (m, c) => {
    entered.open();
    await new Promise(() => undefined);
    return approveAll(m, c);
  };
  const endpoint = createInboundEndpoint({ port: 0, sequence });
  const { port } = await endpoint.start();
  const client = await TestClient.connect(port);
  client.send(purchase(3));
  await entered.promise;
  const destroying = endpoint.destroy();
  assert.equal(endpoint.destroy(), destroying, 'destroy() is idempotent');
  assert.equal(endpoint.close(), destroying, 'close() after destroy() returns the same promise');
  await assert.rejects(client.reply(), /connection closed before a reply/);
  await within(destroying, 10000, 'destroy settles without waiting for the sequence');
  assert.equal(endpoint.address(), null);
  assert.equal(endpoint.stats().replies, 0);
});

test('destroy – during a drain cuts it short: close() settles without waiting for its deadline', async () => {
  const entered = gate();
  const endpoint = createInboundEndpoint({
    port: 0,
    sequence: () => {
      entered.open();
      return new Promise(() => undefined);
    },
  });
  const { port } = await endpoint.start();
  const client = await TestClient.connect(port);
  client.send(purchase(4));
  await entered.promise;
  const closing = endpoint.close({ deadline: 600000 });
  assert.equal(endpoint.destroy(), closing, 'destroy() during close() settles the same promise');
  await within(closing, 10000, 'the drain is cut short by destroy()');
  await client.closed;
  assert.equal(endpoint.stats().connections, 0);
});

test('events – typed: connection and disconnect carry the connection id, address, and why the endpoint closed it', async (t) => {
  const endpoint = createInboundEndpoint({ port: 0, sequence: approveAll, idleTimeout: 100 });
  t.after(() => endpoint.destroy());
  const connected: ConnectionInfo[] = [];
  const gone: DisconnectInfo[] = [];
  const first = gate<DisconnectInfo>();
  const second = gate<DisconnectInfo>();
  endpoint.on('connection', (info) => connected.push(info));
  endpoint.on('disconnect', (info) => {
    gone.push(info);
    (gone.length === 1 ? first : second).open(info);
  });
  // @ts-expect-error an event the endpoint does not have is a type error
  endpoint.on('no-such-event', () => undefined);
  const { port } = await endpoint.start();
  const leaving = await TestClient.connect(port);
  assert.equal((await leaving.request(purchase(5))).fields['39'], '00');
  await leaving.close();
  await within(first.promise, 10000, 'the endpoint sees the client leave');
  const idle = await TestClient.connect(port);
  await within(second.promise, 10000, 'the idle connection is closed');
  await idle.closed;
  assert.deepEqual(connected.map((c) => c.id), [1, 2]);
  assert.equal(connected[0]!.remoteAddress, '127.0.0.1');
  assert.equal(gone[0]!.id, 1);
  assert.equal(gone[0]!.code, undefined, 'the client left');
  assert.equal(gone[1]!.id, 2);
  assert.equal(gone[1]!.code, 'ISO8583_ERR_INBOUND_IDLE_TIMEOUT');
});

test('start – an address this machine does not have is a listen error naming host, not port', async (t) => {
  // 192.0.2.1 (TEST-NET-1, RFC 5737) is no interface's address: the system refuses it (EADDRNOTAVAIL), unless the
  // machine binds addresses it does not have (net.ipv4.ip_nonlocal_bind) or has that one: then there is no such error.
  if (await bindsAnyway('192.0.2.1')) {
    t.skip('this machine binds 192.0.2.1 (ip_nonlocal_bind or an interface with it): no EADDRNOTAVAIL to name');
    return;
  }
  const endpoint = createInboundEndpoint({ host: '192.0.2.1', port: 0, sequence: approveAll });
  await assert.rejects(endpoint.start(), (err: Iso8583Error) => {
    assert.equal(err.code, 'ISO8583_ERR_INBOUND_LISTEN');
    assert.match(err.message, /EADDRNOTAVAIL/);
    assert.equal(err.field, 'host');
    return true;
  });
  await endpoint.close();
});

/** Whether a plain TCP server can listen on `host` here (closed at once). */
async function bindsAnyway(host: string): Promise<boolean> {
  const server = createServer();
  return new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, host, () => server.close(() => resolve(true)));
  });
}
