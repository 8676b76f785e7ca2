// The HTTP port bounds the request bodies it holds at once while they arrive, across its connections
// (`--http-body-budget`, body-budget.ts). Each body was bounded alone (256 KiB) and each request by --request-timeout,
// so many connections each sending a body slowly up to the limit held them all: about 230 MB from one address. Now the
// body holding the most once the bytes would pass the budget is answered 503 ISO8583_ERR_CONSOLE_BODY_BUDGET with
// Retry-After and its connection closed, the newcomer's own when it is that body, and the other bodies, and other
// clients, are served. Refusing the newcomer always let one address holding the budget with slow bodies have every
// other client's payment refused. Real parts: the host simulator on a TCP port, the HTTP app on 127.0.0.1, raw sockets.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { capturedLogger, httpCall, rawHttp, readUntil, waitUntil, within } from '@iso8583/test-support';
import type { Logger } from 'pino';
import { assembleHttp } from '../src/http/app.js';
import type { HttpApp } from '../src/http/app.js';
import { purchase } from './flow-approvals-bank.js';

/** The port's budget here: room for one body of 60,000 bytes and a small one, not two of 60,000. */
const BUDGET = 100_000;
const DEADLINE = 10_000;

/** The HTTP app with `BUDGET`, its routes on `/` to the host simulator on a TCP port. */
async function budgetedHttp(t: TestContext, logger?: Logger): Promise<{ port: number; http: HttpApp }> {
  const simulator = createHostSimulator();
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: simulator });
  const { port: hostPort } = await host.start();
  t.after(() => host.destroy());
  const http = await assembleHttp({ connectors: { bank: { host: '127.0.0.1', port: hostPort, routes: { prefix: '' } } }, bodyBudget: BUDGET, ...(logger === undefined ? {} : { logger }) });
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  t.after(() => http.app.close());
  return { port, http };
}

/** The head of a `POST /` of a JSON body of `length` bytes, its connection closed after the answer. */
const head = (port: number, length: number): string =>
  `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;

/** The JSON body of a purchase with `stan`, padded with white space to `length` bytes. */
const padded = (stan: string, length: number): string => {
  const message = JSON.stringify(purchase(stan));
  return message + ' '.repeat(length - message.length);
};

/** The answer of a refused body: what came before its JSON body, and that body. */
async function refusedAnswer(conn: ReturnType<typeof rawHttp>, what: string): Promise<{ head: string; body: unknown }> {
  await within(readUntil(conn, /\r\n\r\n\{[\s\S]*\}$/), DEADLINE, what);
  await within(conn.closed, DEADLINE, `the connection of ${what} was not closed`);
  const [answerHead = '', answerBody = ''] = conn.text().split('\r\n\r\n');
  return { head: answerHead, body: JSON.parse(answerBody) };
}

/** The refusal's answer on a port whose budget no option sets (a flow's): no flag named. */
const REFUSED = { error: { code: 'ISO8583_ERR_CONSOLE_BODY_BUDGET', message: 'the request bodies arriving at this port hold its most bytes: nothing was sent on: try again' } };

test('HTTP port – a body arriving past the port\'s budget is refused 503 BODY_BUDGET with Retry-After; the body held and the other clients are served', async (t) => {
  const logs = capturedLogger('info');
  const { port, http } = await budgetedHttp(t, logs.logger);
  // A: a purchase padded with white space to 60,000 bytes, of which 50,000 come now and the rest later.
  const message = JSON.stringify(purchase('000001'));
  const body = message + ' '.repeat(60_000 - message.length);
  const a = rawHttp(port);
  t.after(() => a.socket.destroy());
  a.socket.write(head(port, body.length) + body.slice(0, 50_000));
  await waitUntil(() => http.bodies.held === 50_000, { timeoutMs: DEADLINE, what: 'the first 50,000 bytes of the held body counted' });

  // B: another 60,000 bytes would take the port past its 100,000.
  const b = rawHttp(port);
  t.after(() => b.socket.destroy());
  b.socket.write(head(port, 60_000) + ' '.repeat(60_000));
  const refused = await refusedAnswer(b, 'the answer to the body past the budget');
  assert.match(refused.head, /^HTTP\/1\.1 503 [\s\S]*\r\nRetry-After: 1\r\n/i);
  // No option sets this port's budget (as a flow's): its answer names no gateway flag.
  assert.deepEqual(refused.body, REFUSED);
  assert.equal(http.bodies.refused, 1);
  // Its bytes are given back at the refusal: the held body's alone are counted.
  assert.equal(http.bodies.held, 50_000);

  // C, a small purchase of another client, is served while A's body is held.
  const c = await httpCall(port, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify(purchase('000002')));
  assert.equal(c.status, 200, c.body);
  assert.equal((JSON.parse(c.body) as { result: Record<string, string> }).result['39'], '00');

  // A's body comes whole: it is served, and nothing is held any more.
  a.socket.write(body.slice(50_000));
  await within(readUntil(a, /"39":"00"/), DEADLINE, 'the approval of the body held while B was refused');
  assert.match(a.text(), /^HTTP\/1\.1 200 /);
  await waitUntil(() => http.bodies.held === 0, { timeoutMs: DEADLINE, what: 'every body byte given back' });

  // Logged at warn with its code, the budget and its option; never the body.
  const line = logs.lines.find((l) => l.code === 'ISO8583_ERR_CONSOLE_BODY_BUDGET');
  assert.ok(line !== undefined, logs.text());
  assert.equal(line.level, 40);
  assert.equal(line.max, BUDGET);
  assert.equal(line.option, undefined);
  assert.doesNotMatch(logs.text(), /4111111111111111|411111\*/);
});

test('HTTP port – past the budget the body holding the most is refused, not the newcomer: one address holding it with slow bodies keeps no payment of the others out', async (t) => {
  const logs = capturedLogger('info');
  const { port, http } = await budgetedHttp(t, logs.logger);
  // One address (127.0.0.2) holds 90,000 of the 100,000 with two bodies arriving slowly: 50,000 and 40,000 of 60,000.
  const heavy = rawHttp(port, '127.0.0.1', '127.0.0.2');
  const light = rawHttp(port, '127.0.0.1', '127.0.0.2');
  t.after(() => heavy.socket.destroy());
  t.after(() => light.socket.destroy());
  const heavyBody = padded('000011', 60_000);
  const lightBody = padded('000012', 60_000);
  heavy.socket.write(head(port, heavyBody.length) + heavyBody.slice(0, 50_000));
  await waitUntil(() => http.bodies.held === 50_000, { timeoutMs: DEADLINE, what: 'the first body\'s 50,000 bytes counted' });
  light.socket.write(head(port, lightBody.length) + lightBody.slice(0, 40_000));
  await waitUntil(() => http.bodies.held === 90_000, { timeoutMs: DEADLINE, what: 'the second body\'s 40,000 bytes counted' });

  // A payment of another client, 20,000 bytes, would pass the budget: the body holding the most makes room for it.
  const paid = await httpCall(port, 'POST', '/', { 'content-type': 'application/json' }, padded('000013', 20_000));
  assert.equal(paid.status, 200, paid.body);
  assert.equal((JSON.parse(paid.body) as { result: Record<string, string> }).result['39'], '00');
  const shed = await refusedAnswer(heavy, 'the answer to the body holding the most');
  assert.match(shed.head, /^HTTP\/1\.1 503 [\s\S]*\r\nRetry-After: 1\r\n/i);
  assert.deepEqual(shed.body, REFUSED);
  assert.equal(http.bodies.refused, 1);
  await waitUntil(() => http.bodies.held === 40_000, { timeoutMs: DEADLINE, what: 'only the lighter body still counted' });

  // The lighter body, left alone, comes whole and is served.
  light.socket.write(lightBody.slice(40_000));
  await within(readUntil(light, /"39":"00"/), DEADLINE, 'the approval of the lighter body');
  assert.match(light.text(), /^HTTP\/1\.1 200 /);
  await waitUntil(() => http.bodies.held === 0, { timeoutMs: DEADLINE, what: 'every body byte given back' });
  const line = logs.lines.find((l) => l.code === 'ISO8583_ERR_CONSOLE_BODY_BUDGET');
  assert.ok(line !== undefined, logs.text());
  assert.equal(line.peer, '127.0.0.2');
  assert.equal(line.body, 50_000);
});

test('HTTP port – the bytes of a body whose client goes away before it has all come are given back', async (t) => {
  const { port, http } = await budgetedHttp(t);
  const a = rawHttp(port);
  t.after(() => a.socket.destroy());
  a.socket.write(head(port, 60_000) + ' '.repeat(30_000));
  await waitUntil(() => http.bodies.held === 30_000, { timeoutMs: DEADLINE, what: 'the first 30,000 bytes counted' });
  a.socket.destroy();
  await waitUntil(() => http.bodies.held === 0, { timeoutMs: DEADLINE, what: 'the bytes of the body whose client went given back' });
  // The whole budget is there again: a body of all of it is taken (its 400: white space is no message; not 503).
  const whole = await httpCall(port, 'POST', '/', { 'content-type': 'application/json' }, ' '.repeat(BUDGET));
  assert.notEqual(whole.status, 503, whole.body);
  assert.equal(http.bodies.refused, 0);
});

test('HTTP port – a body budget that is not an integer of at least 1 is ISO8583_ERR_CLI_OPTION naming its option', async () => {
  for (const bodyBudget of [0, -1, 1.5]) {
    await assert.rejects(assembleHttp({ connectors: {}, bodyBudget, bodyBudgetOption: '--http-body-budget' }), { code: 'ISO8583_ERR_CLI_OPTION', field: '--http-body-budget' });
    await assert.rejects(assembleHttp({ connectors: {}, bodyBudget }), { code: 'ISO8583_ERR_CLI_OPTION', field: 'bodyBudget' });
  }
});
