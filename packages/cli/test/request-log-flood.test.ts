// The HTTP request log under a hostile client: refused requests (4xx) are logged at most 20 a second for each status
// (the next line says how many were left out), and a long URL is shown once, cut to 256 characters with its length.
// Before, every 404 of an 8 KB URL wrote a 16 KB line (the URL in `url` and again in `msg`): 4000 requests, 64 MB of
// log. Failures (5xx) are capped likewise, per status and code (an outage fails every request), one line telling
// how many were left out once the burst is over. A real Fastify server on 127.0.0.1 port 0, real requests on 8 keep-alive connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { fastify } from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { noteFailedAnswer } from '@iso8583/connector';
import { waitUntil } from '@iso8583/test-support';
import { pino } from 'pino';
import { LOGGED_URL_CHARS, logRequests } from '../src/http/app.js';
import { FAILED_REQUEST_LINES_PER_SECOND, REFUSED_REQUEST_LINES_PER_SECOND } from '../src/http/refused-lines.js';

const REQUESTS = 400;
const PATH = '/x' + 'a'.repeat(8000);

/** Sends `count` GETs of `path` on 8 keep-alive connections; the statuses seen. */
async function flood(port: number, path: string, count: number): Promise<Record<number, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const statuses: Record<number, number> = {};
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, agent }, (res) => {
        statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  try {
    for (let i = 0; i < count; i += 8) await Promise.all(Array.from({ length: 8 }, one));
  } finally {
    agent.destroy();
  }
  return statuses;
}

test('logRequests – a flood of 404s with an 8 KB URL: lines capped a second, the URL cut and logged once', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const app = fastify({ maxParamLength: 10_000 });
  logRequests(app, logger);
  app.get('/boom', async (_req, reply) => reply.code(500).send({ error: 'boom' }));
  t.after(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };

  const started = performance.now();
  assert.deepEqual(await flood(port, PATH, REQUESTS), { 404: REQUESTS });
  const seconds = (performance.now() - started) / 1000;

  const refused = lines.filter((l) => l.status === 404);
  // At most 20 in each second the flood lasted (its windows begin at its first line).
  assert.ok(refused.length <= REFUSED_REQUEST_LINES_PER_SECOND * (Math.floor(seconds) + 1), `${refused.length} lines in ${seconds} s`);
  const told = refused.reduce((n, l) => n + 1 + (typeof l.suppressed === 'number' ? l.suppressed : 0), 0);
  assert.ok(told <= REQUESTS, `${told} requests told of`);
  for (const line of refused) {
    assert.equal(line.level, 30);
    assert.equal((line.url as string).length, LOGGED_URL_CHARS);
    assert.equal(line.urlLength, PATH.length);
    assert.match(line.msg as string, /^GET 404 [\d.]+ ms$/);
    assert.ok(JSON.stringify(line).length < 1024, 'a line of a refused request stays small');
  }

  // Failures (5xx) are logged at warn (capped too: the next test).
  await flood(port, '/boom', 8);
  assert.equal(lines.filter((l) => l.status === 500 && l.level === 40).length, 8);
});

test('logRequests – a burst of failures (5xx, an outage): lines capped per status and code, each coded, every one told of', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const app = fastify();
  logRequests(app, logger);
  // The routes' failure shape (`failureBody`): a store outage answers 503, an upstream's 502; each route notes the code
  // it answers for the log, as the connector's routes do (`noteFailedAnswer`).
  const failing = (status: number, code: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    noteFailedAnswer(req, status, code);
    return reply.code(status).send({ result: null, errors: [{ code, message: 'the store failed' }] });
  };
  app.get('/store', failing(503, 'ISO8583_ERR_CONNECTOR_STORE'));
  app.get('/upstream', failing(502, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED'));
  t.after(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };

  const started = performance.now();
  assert.deepEqual(await flood(port, '/store', REQUESTS), { 503: REQUESTS });
  assert.deepEqual(await flood(port, '/upstream', 40), { 502: 40 });
  const seconds = (performance.now() - started) / 1000;
  // Once the burst is over, one line says how many of each were left out since the last line written.
  const summary = (l: Record<string, unknown>): boolean => typeof l.msg === 'string' && / failed requests \(\d+\) not logged$/.test(l.msg);
  await waitUntil(() => lines.some((l) => summary(l) && l.code === 'ISO8583_ERR_CONNECTOR_STORE') || undefined, { what: 'the line after the burst' });

  const store = lines.filter((l) => l.status === 503);
  assert.ok(store.length <= FAILED_REQUEST_LINES_PER_SECOND * (Math.floor(seconds) + 2), `${store.length} lines in ${seconds} s`);
  assert.ok(store.length < REQUESTS, 'bounded: not one line a failure');
  assert.equal(store[0]?.suppressed, undefined, 'the first failure of the episode is logged');
  for (const line of store) {
    assert.equal(line.level, 40);
    assert.equal(line.code, 'ISO8583_ERR_CONNECTOR_STORE');
  }
  const told = store.reduce((n, l) => n + (summary(l) ? 0 : 1) + (typeof l.suppressed === 'number' ? l.suppressed : 0), 0);
  assert.equal(told, REQUESTS, 'every failure is a line or counted in one');
  // Another code has its own cap: the upstream's failures are not hidden by the store's.
  const upstream = lines.filter((l) => l.status === 502);
  assert.ok(upstream.length > 0 && upstream.every((l) => l.code === 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED'));
});
