import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { encodeFrame } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { createHostSimulator, createInboundEndpoint } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';

const PAN = '4111111111111111';
const TRACK2 = `${PAN}=3012101123456789`;

function memoryLogger(): { logger: pino.Logger; lines: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines: () => chunks.join('') };
}

test('logs – errors are logged with their codes and never carry the PAN or track data', async (t) => {
  const { logger, lines } = memoryLogger();
  let calls = 0;
  const { port, endpoint } = await startEndpoint(t, {
    logger,
    sequence: (m, context) => {
      calls++;
      context.logger.info({ message: m }, 'sequence called');
      if (calls === 1) throw new Error(`card ${PAN} track ${TRACK2} refused`);
      return { 0: '0210', 11: m.fields['11'] as string, 39: '00' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1, { 35: TRACK2 }))).fields['39'], '96');
  const image = client.codec.pack(purchase(2)).toString('latin1').replace('000000001000', '00000000X000');
  client.write(encodeFrame(Buffer.from(image, 'latin1')));
  assert.equal((await client.reply()).fields['39'], '30');
  assert.equal((await client.request(purchase(3))).fields['39'], '00');
  await endpoint.close();
  const text = lines();
  assert.match(text, /ISO8583_ERR_INBOUND_SEQUENCE_FAILED/);
  assert.match(text, /ISO8583_ERR_INBOUND_DECODE/);
  assert.match(text, /411111\*{6}1111/);
  assert.doesNotMatch(text, new RegExp(PAN));
  assert.doesNotMatch(text, /3012101123456789/);
  assert.match(text, /"messageId"/);
});

test('metrics – connections, messages by MTI, replies by response code, errors by code and sequence latency', async (t) => {
  const registry = new Registry();
  const { port } = await startEndpoint(t, {
    name: 'pos',
    registry,
    sequence: createHostSimulator({ cards: { [PAN]: { balance: 1500 } } }),
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1))).fields['39'], '00');
  assert.equal((await client.request(purchase(2))).fields['39'], '51');
  assert.equal((await client.request({ 0: '0800', 11: '000003', 70: '301' })).fields['39'], '00');
  client.write(encodeFrame(Buffer.from('0200ZZ')));
  assert.equal((await client.reply()).fields['39'], '30');
  const text = await registry.metrics();
  assert.match(text, /iso8583_inbound_connections\{endpoint="pos"\} 1/);
  assert.match(text, /iso8583_inbound_messages_total\{endpoint="pos",mti="0200"\} 2/);
  assert.match(text, /iso8583_inbound_messages_total\{endpoint="pos",mti="0800"\} 1/);
  assert.match(text, /iso8583_inbound_replies_total\{endpoint="pos",mti="0210",response_code="51"\} 1/);
  assert.match(text, /iso8583_inbound_replies_total\{endpoint="pos",mti="0210",response_code="30"\} 1/);
  assert.match(text, /iso8583_inbound_errors_total\{endpoint="pos",code="ISO8583_ERR_INBOUND_DECODE"\} 1/);
  assert.match(text, /iso8583_inbound_sequence_seconds_count\{endpoint="pos"\} 3/);
  assert.doesNotMatch(text, new RegExp(PAN));
});

test('metrics – an MTI outside the dialect\'s message classes is counted as other: a client cannot add series at will', async (t) => {
  const registry = new Registry();
  const { port } = await startEndpoint(t, { name: 'pos', registry, sequence: () => undefined });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send({ 0: '0990', 11: '000001' });
  client.send({ 0: '0096', 11: '000002' });
  client.send({ 0: '0800', 11: '000003', 70: '301' });
  const text = await waitUntil(async () => {
    const m = await registry.metrics();
    return /iso8583_inbound_messages_total\{endpoint="pos",mti="0800"\} 1/.test(m) ? m : undefined;
  }, { what: 'the three messages counted' });
  assert.match(text, /iso8583_inbound_messages_total\{endpoint="pos",mti="other"\} 2/);
  assert.doesNotMatch(text, /mti="0990"|mti="0096"/);
});

test('metrics – an MTI is labelled by its own digits whatever the dialect\'s edition: 1993 MTIs on a 1987 endpoint', async (t) => {
  const registry = new Registry();
  const { endpoint, port } = await startEndpoint(t, { name: 'pos', registry, sequence: () => undefined });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send({ 0: '1200', 11: '000001' });
  client.send({ 0: '1420', 11: '000002' });
  client.send({ 0: '2200', 11: '000003' });
  client.send({ 0: '0800', 11: '000004', 70: '301' });
  const text = await waitUntil(async () => {
    const m = await registry.metrics();
    return /iso8583_inbound_messages_total\{endpoint="pos",mti="0800"\} 1/.test(m) ? m : undefined;
  }, { what: 'the four messages counted' });
  assert.match(text, /iso8583_inbound_messages_total\{endpoint="pos",mti="1200"\} 1/);
  assert.match(text, /iso8583_inbound_messages_total\{endpoint="pos",mti="1420"\} 1/);
  assert.match(text, /iso8583_inbound_messages_total\{endpoint="pos",mti="other"\} 1/);
  assert.deepEqual(endpoint.stats().byMti, { 1200: 1, 1420: 1, other: 1, '0800': 1 });
});

test('metrics – two endpoints can share one registry; each has its own without one', async (t) => {
  const registry = new Registry();
  const a = await startEndpoint(t, { name: 'a', registry, sequence: () => undefined });
  const b = await startEndpoint(t, { name: 'b', registry, sequence: () => undefined });
  assert.equal(a.endpoint.registry, registry);
  assert.equal(b.endpoint.registry, registry);
  const c = await startEndpoint(t, { name: 'c', sequence: () => undefined });
  assert.notEqual(c.endpoint.registry, registry);
  const client = await TestClient.connect(b.port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  await waitUntil(() => b.endpoint.stats().messages === 1, { what: 'one message counted' });
  assert.match(await registry.metrics(), /iso8583_inbound_messages_total\{endpoint="b",mti="0200"\} 1/);
});

test('metrics – a registry that already holds another metric of the same name is an options error naming registry', () => {
  const registry = new Registry();
  new Counter({ name: 'iso8583_inbound_messages_total', help: 'someone else', registers: [registry] });
  assert.throws(() => createInboundEndpoint({ port: 0, sequence: () => undefined, registry }), {
    code: 'ISO8583_ERR_INBOUND_OPTIONS',
    field: 'registry',
  });
});

test('metrics – a second endpoint with the same name on one registry is an options error naming name', async () => {
  const registry = new Registry();
  createInboundEndpoint({ port: 0, sequence: () => undefined, registry });
  assert.throws(() => createInboundEndpoint({ port: 0, sequence: () => undefined, registry }), {
    code: 'ISO8583_ERR_INBOUND_OPTIONS',
    field: 'name',
  });
  createInboundEndpoint({ name: 'other', port: 0, sequence: () => undefined, registry });
  const series = (await registry.metrics()).split('\n').filter((line) => line.startsWith('iso8583_inbound_connections_total'));
  assert.deepEqual(series, ['iso8583_inbound_connections_total{endpoint="inbound"} 0', 'iso8583_inbound_connections_total{endpoint="other"} 0']);
});
