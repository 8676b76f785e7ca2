// The console's routes: a send's answer read in its target's dialect; a failing transaction log shown (its code in
// the `recent` event) and logged once per run of failures; the sign-in form served with the console's page headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import fastify from 'fastify';
import { pino } from 'pino';
import { dialectFromJson } from '@iso8583/codec';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { createConnector, createUpstreamGroup } from '@iso8583/connector';
import type { Connector, RouteTarget, TransactionLog } from '@iso8583/connector';
import { createInboundEndpoint } from '@iso8583/inbound';
import type { InboundMessage } from '@iso8583/inbound';
import { TransactionRing } from '../src/index.js';
import { requireToken } from '../src/console/access.js';
import { Figures } from '../src/console/figures.js';
import { mountConsole } from '../src/console/routes.js';
import type { ConsoleOptions } from '../src/console/routes.js';

const STATS = { requests: 0, responses: 0, timeouts: 0, errors: 0, byResponseCode: {}, reversalsPending: 0, connected: 1, inFlight: 0, pending: 0 };

/** A console on 127.0.0.1 port 0; `logged` holds the lines its logger wrote. */
async function consoleApp(t: { after(fn: () => unknown): void }, options: Omit<ConsoleOptions, 'ring'> & { ring?: TransactionRing }, token?: string) {
  const logged: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => { logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } }));
  const app = fastify();
  if (token !== undefined) requireToken(app, token);
  mountConsole(app, { ring: new TransactionRing(), ...options }, logger);
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  return { base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, logged };
}

/** A connector as the figures read it, with `transactionLog`. */
function connectorWith(log: TransactionLog): Connector {
  return { stats: () => STATS, transactionLog: log } as unknown as Connector;
}

/** Reads the `recent` events of the stream until `until` says stop; the stream is then closed. */
function recentEvents(base: string, until: (events: Record<string, unknown>[]) => boolean): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const events: Record<string, unknown>[] = [];
    get(`${base}/console/events`, (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const m = /^event: recent\ndata: (.*)$/s.exec(block);
          if (m !== null) events.push(JSON.parse(m[1] as string) as Record<string, unknown>);
        }
        if (until(events)) {
          res.destroy();
          resolve(events);
        }
      });
    }).on('error', reject);
  });
}

test('console send – the answer is named and masked in the dialect of its target, else the first', async (t) => {
  const b = dialectFromJson({ name: 'acquirer-b', extends: 'iso87ascii', fields: { '48': { name: 'CVV2 (B)', sensitive: 'cvv' } } });
  const answer = (m: MessageInput): Promise<IsoMessage> => Promise.resolve({ '0': '0110', '11': String(m['11']), '39': '00', '48': '123' });
  const target = { request: answer } as unknown as RouteTarget;
  const { base } = await consoleApp(t, {
    source: { connectors: () => ({}) },
    send: true,
    dialects: { a: 'iso87ascii', b },
    targets: () => ({ a: target, b: target, c: target }),
  });
  const send = async (upstream: string) => {
    const res = await fetch(`${base}/console/api/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ upstream, message: { '0': '0100', '11': '000001' } }) });
    assert.equal(res.status, 200);
    return ((await res.json()) as { fields: { id: string; name: string; value: string; masked?: string }[] }).fields.find((f) => f.id === '48');
  };
  assert.deepEqual(await send('b'), { id: '48', name: 'CVV2 (B)', value: '***', masked: 'cvv' });
  assert.deepEqual(await send('a'), { id: '48', name: 'ADDITIONAL DATA - PRIVATE', value: '123' });
  assert.deepEqual(await send('c'), { id: '48', name: 'ADDITIONAL DATA - PRIVATE', value: '123' }, 'no role of that name: the first dialect');
});

test('console recent – a failing transaction log: the ring shown with the log\'s code, logged once per run of failures', async (t) => {
  const ring = new TransactionRing();
  let failing = true;
  let queries = 0;
  const log = {
    query: async () => {
      queries += 1;
      if (failing) throw Object.assign(new Error('disk on fire: 4111111111111111'), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' });
      return [];
    },
  } as unknown as TransactionLog;
  const { base, logged } = await consoleApp(t, { ring, source: { connectors: () => ({ upstream: connectorWith(log) }) }, targets: () => ({}) });
  // Three ticks (the figures come each tick; the list only when it changed: once).
  const events = await recentEvents(base, (e) => e.length >= 1 && queries >= 3);
  for (const e of events) assert.deepEqual(e, { source: 'ring', logError: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', items: [] });
  const lines = () => logged.filter((l) => l.code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG');
  assert.equal(lines().length, 1, 'one line for the run of failures');
  assert.equal(lines()[0]?.level, 40);
  assert.doesNotMatch(JSON.stringify(logged), /4111111111111111|disk on fire/, 'the code, never the error\'s text');
  // The log answers again: said once, and the stream lists from it (no error).
  failing = false;
  const again = await recentEvents(base, (e) => e.some((x) => x.source === 'log'));
  assert.deepEqual(again.at(-1), { source: 'log', items: [] });
  assert.equal(lines().length, 2);
  assert.equal(lines()[1]?.level, 30);
});

test('console sign-in – the form (401) has the console page\'s headers: CSP, no frame, no sniffing, no referrer', async (t) => {
  const { base } = await consoleApp(t, { source: { connectors: () => ({}) }, targets: () => ({}) }, 'a-token');
  const form = await fetch(`${base}/console`);
  const page = await fetch(`${base}/console`, { headers: { authorization: 'Bearer a-token' } });
  assert.equal(form.status, 401);
  assert.equal(page.status, 200);
  assert.match(await form.text(), /<form method="post" action="\/console\/login">/);
  for (const name of ['content-security-policy', 'x-content-type-options', 'referrer-policy', 'cache-control']) {
    assert.ok(form.headers.get(name) !== null, name);
    assert.equal(form.headers.get(name), page.headers.get(name), name);
  }
  assert.match(form.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  assert.equal(form.headers.get('x-content-type-options'), 'nosniff');
});

test('console figures – SAF entries abandoned, all connectors together, when their stats carry it (the tile)', () => {
  const ring = new TransactionRing();
  const saf = (abandoned: number) => ({ stats: () => ({ ...STATS, safDepth: 1, safAbandoned: abandoned }) }) as unknown as Connector;
  const snap = new Figures({ connectors: () => ({ a: saf(2), b: saf(1) }) }, ring).tick();
  assert.equal(snap.safAbandoned, 3);
  assert.equal(snap.safDepth, 2);
  const none = new Figures({ connectors: () => ({ a: { stats: () => STATS } as unknown as Connector }) }, ring).tick();
  assert.equal(none.safAbandoned, undefined, 'no tile when no connector has a store-and-forward queue');
});

test('console figures – the answers the server gave itself, by response code, beside the upstreams\' (a copy each tick)', () => {
  const own: Record<string, number> = { '91': 2 };
  const figures = new Figures({ connectors: () => ({ a: { stats: () => STATS } as unknown as Connector }), ownAnswers: () => own }, new TransactionRing());
  const first = figures.tick();
  own['91'] = 3;
  assert.deepEqual(first.ownAnswers, { '91': 2 }, 'the snapshot kept in the history does not move');
  assert.deepEqual(figures.tick().ownAnswers, { '91': 3 });
  assert.equal(new Figures({ connectors: () => ({}) }, new TransactionRing()).tick().ownAnswers, undefined, 'none counted: none shown');
});

test('console send – through a gateway\'s several upstreams, the answer is masked in the dialect of the upstream that carried it (its CVV2 field), by name and routed', async (t) => {
  // Bank B's dialect carries a CVV2 in field 48; the gateway's own dialect (iso87ascii) reads 48 as free text.
  const b = dialectFromJson({ name: 'acquirer-b', extends: 'iso87ascii', fields: { '48': { name: 'CVV2 (B)', sensitive: 'cvv' } } });
  const answerWith48 = (m: InboundMessage): MessageInput => ({ ...m.fields, '0': '0110', '39': '00', '48': '123' });
  const hostB = createInboundEndpoint({ port: 0, host: '127.0.0.1', dialect: b, sequence: answerWith48 });
  const hostA = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: answerWith48 });
  const [portA, portB] = [(await hostA.start()).port, (await hostB.start()).port];
  t.after(() => Promise.all([hostA.close(), hostB.close()]));
  const bankA = createConnector({ name: 'bankA', host: '127.0.0.1', port: portA });
  const bankB = createConnector({ name: 'bankB', host: '127.0.0.1', port: portB, dialect: b });
  t.after(() => Promise.all([bankA.destroy(), bankB.destroy()]));
  await Promise.all([bankA.connect(), bankB.connect()]);
  // Cards starting 5 go to bank B, 4 to bank A.
  const group = createUpstreamGroup({ upstreams: [{ name: 'bankA', connector: bankA }, { name: 'bankB', connector: bankB }], routes: [{ pan: '5', upstream: 'bankB' }, { pan: '4', upstream: 'bankA' }] });
  // As the gateway mounts it (gateway/http.ts): its roles' dialects, the group routed and each upstream by name.
  const { base } = await consoleApp(t, {
    source: { connectors: () => ({}) },
    send: true,
    dialects: { upstream: 'iso87ascii', pos: 'iso87ascii' },
    targets: () => ({ routed: group, ...Object.fromEntries(group.connectors) }),
  });
  let stan = 0;
  const send = async (upstream: string, pan: string) => {
    stan += 1;
    const message = { '0': '0100', '2': pan, '3': '000000', '4': '000000001000', '7': '1204120000', '11': String(stan).padStart(6, '0'), '41': 'TERM0001' };
    const res = await fetch(`${base}/console/api/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ upstream, message }) });
    const body = (await res.json()) as { fields: { id: string; name: string; value: string; masked?: string }[] };
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.fields.find((f) => f.id === '48');
  };
  const cvv = { id: '48', name: 'CVV2 (B)', value: '***', masked: 'cvv' };
  assert.deepEqual(await send('bankB', '5500000000000004'), cvv, 'bank B by name: its own dialect');
  assert.deepEqual(await send('routed', '5500000000000004'), cvv, 'routed to bank B: the group tells which upstream took it');
  assert.deepEqual(await send('routed', '4111111111111111'), { id: '48', name: 'ADDITIONAL DATA - PRIVATE', value: '123' }, 'routed to bank A: its dialect');
});
