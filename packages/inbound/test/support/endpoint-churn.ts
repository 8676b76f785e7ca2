// Run as a child process (`node --expose-gc endpoint-churn.js KIND COUNT`): makes COUNT endpoints of KIND one after the
// other, each serving one message on a real socket and closed, in two batches; prints, as one JSON line, how many of
// each batch's endpoints (and host simulators) are still alive after full collections, and how much the heap grew
// over the second batch. A closed endpoint that something keeps (a module-level list, a listener on a shared emitter,
// a timer left running) shows as alive, whatever the machine's speed. KIND: `plain`, `simulator` (a host simulator
// made per endpoint, as a test suite restarts one per test) or `fastify` (an app per endpoint, the plugin registered).
import { setImmediate as nextTurn } from 'node:timers/promises';
import Fastify from 'fastify';
import { createHostSimulator, createInboundEndpoint, iso8583Inbound } from '../../src/index.js';
import type { InboundEndpoint, InboundOptions } from '../../src/index.js';
import { TestClient } from './client.js';
import { approveAll } from './endpoint.js';

const kind = process.argv[2];
const count = Number(process.argv[3]);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined || !['plain', 'simulator', 'fastify'].includes(kind ?? '') || !(count > 0)) {
  throw new Error('usage: node --expose-gc endpoint-churn.js plain|simulator|fastify COUNT');
}
const collect: () => void = gc;

/** Starts an endpoint of `kind`; `close` closes it as its owner would (the endpoint, or the Fastify app). */
async function open(options: InboundOptions): Promise<{ endpoint: InboundEndpoint; close: () => Promise<void> }> {
  if (kind !== 'fastify') {
    const endpoint = createInboundEndpoint(options);
    await endpoint.start();
    return { endpoint, close: () => endpoint.close({ deadline: 2000 }) };
  }
  const app = Fastify({ logger: false });
  await app.register(iso8583Inbound, options);
  await app.ready();
  const endpoint = app.inbound[options.name ?? ''];
  if (endpoint === undefined) throw new Error('the plugin registered no endpoint');
  return { endpoint, close: () => app.close() };
}

/** Makes, uses and closes `count` endpoints; returns weak references to them and to what they were made with. */
async function batch(first: number): Promise<Array<WeakRef<object>>> {
  const refs: Array<WeakRef<object>> = [];
  for (let i = 0; i < count; i++) {
    const sequence = kind === 'simulator' ? createHostSimulator() : approveAll;
    if (kind === 'simulator') refs.push(new WeakRef(sequence));
    const { endpoint, close } = await open({ name: 'churn', port: 0, sequence });
    refs.push(new WeakRef(endpoint));
    const address = endpoint.address();
    if (address === null) throw new Error('the endpoint is not listening');
    const client = await TestClient.connect(address.port);
    const reply = await client.request({ 0: '0800', 7: '1205121314', 11: String(first + i + 1).padStart(6, '0'), 70: '301' });
    if (reply.fields['39'] !== '00') throw new Error(`0800 answered ${String(reply.fields['39'])}`);
    client.destroy();
    await client.closed;
    await close();
  }
  return refs;
}

/** Full collections, a turn of the event loop between them (what a closed socket's handle leaves goes on its turn). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await nextTurn();
    collect();
  }
}

const alive = (refs: Array<WeakRef<object>>): number => refs.filter((r) => r.deref() !== undefined).length;

const firstRefs = await batch(0);
await settle();
const firstAlive = alive(firstRefs);
const before = process.memoryUsage().heapUsed;
const secondRefs = await batch(count);
await settle();
const after = process.memoryUsage().heapUsed;
process.stdout.write(`${JSON.stringify({ kind, count, firstAlive, secondAlive: alive(secondRefs), grownBytes: after - before })}\n`);
