// The HTTP port bounds the request bodies it holds at once while they arrive, across its connections
// (`--http-body-budget`, body-budget.ts). Each body was bounded alone (256 KiB) and each request by --request-timeout,
// so many connections each sending a body slowly up to the limit held them all: about 230 MB from one address. Now the
// body whose bytes would pass the budget is answered 503 ISO8583_ERR_CONSOLE_BODY_BUDGET with Retry-After and its
// connection closed, and the bodies already held, and other clients, are served. Real parts: the host simulator on a
// TCP port, the HTTP app on 127.0.0.1, raw sockets.
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
async function budgetedHttp(t: TestContext, logger: Logger): Promise<{ port: number; http: HttpApp }> {
  const simulator = createHostSimulator();
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: simulator });
  const { port: hostPort } = await host.start();
  t.after(() => host.destroy());
  const http = await assembleHttp({ connectors: { bank: { host: '127.0.0.1', port: hostPort, routes: { prefix: '' } } }, bodyBudget: BUDGET, logger });
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  t.after(() => http.app.close());
  return { port, http };
}

/** The head of a `POST /` of a JSON body of `length` bytes, its connection closed after the answer. */
const head = (port: number, length: number): string =>
  `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;

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
  await within(readUntil(b, /\r\n\r\n\{[\s\S]*\}$/), DEADLINE, 'the answer to the body past the budget');
  await within(b.closed, DEADLINE, 'the connection of the body past the budget was not closed');
  const [answerHead = '', answerBody = ''] = b.text().split('\r\n\r\n');
  assert.match(answerHead, /^HTTP\/1\.1 503 /);
  assert.match(answerHead, /\r\nRetry-After: 1\r\n/i);
  assert.deepEqual(JSON.parse(answerBody), {
    error: { code: 'ISO8583_ERR_CONSOLE_BODY_BUDGET', message: 'the request bodies arriving at this port hold its most bytes (--http-body-budget): nothing was sent on: try again' },
  });
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
  assert.equal(line.option, '--http-body-budget');
  assert.doesNotMatch(logs.text(), /4111111111111111|411111\*/);
});

test('HTTP port – a body budget that is not an integer of at least 1 is ISO8583_ERR_CLI_OPTION naming its option', async () => {
  for (const bodyBudget of [0, -1, 1.5]) {
    await assert.rejects(assembleHttp({ connectors: {}, bodyBudget }), { code: 'ISO8583_ERR_CLI_OPTION', field: '--http-body-budget' });
  }
});
