/**
 * Every request through the gateway's HTTP port ends within the timeouts the operator set, with the real binary and a
 * wedged bank (it accepts the connection and never answers): a request waits at most its terminal's queue
 * (`--terminal-queue`, bounded by `--request-timeout`) plus the bank's answer (`--request-timeout`), a store-and-forward
 * advice is answered once journaled, and a client that stalls while sending its request (a body announced and never
 * sent, headers never ended) is answered 408 ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT after `--request-timeout`, on the
 * HTTP port and on the `--metrics` port, instead of holding its connection for ever.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpCall, within } from '@iso8583/test-support';
import { approve } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { gatewayInFront, startHoldingBank } from './helpers/held-purchases.js';
import type { PurchaseHoldingBank } from './helpers/held-purchases.js';
import { startGateway } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-http-deadline-'));
/** The gateway's `--request-timeout`. */
const TIMEOUT = 1_000;
/** The shortest bound on a request's receipt (packages/cli/src/http/request-deadline.ts). */
const MIN_REQUEST_DEADLINE = 2_000;
/** How long a request has to arrive: `--request-timeout`, at least MIN_REQUEST_DEADLINE. */
const RECEIPT = Math.max(TIMEOUT, MIN_REQUEST_DEADLINE);
/** Room for a loaded machine (process start-up, scheduling) above a bound; a hang is what the tests catch. */
const SLACK = 5_000;
/** How long a wait for the gateway's answers may take before the test fails as hung: a deadline, never a timing. */
const HUNG = 30_000;

/** A purchase of `terminal` as the JSON body of `POST /`. */
const purchase = (stan: string, terminal: string): string =>
  JSON.stringify({ '0': '0200', '3': '000000', '4': '000000001000', '11': stan, '14': '2812', '41': terminal, '2': '5413330089010434' });

/**
 * Writes `text` on a connection of its own and sends nothing more; resolves with what the server answered once it
 * closed the connection, and how long that took. Rejects when the connection is still open after `limitMs`.
 */
function stall(port: number, text: string, limitMs: number): Promise<{ answer: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the connection is still open after ${limitMs} ms (answer so far: ${JSON.stringify(answer)})`));
    }, limitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, ms: Date.now() - started });
    });
  });
}

// The tests share one gateway and do not disturb each other (each its own terminal or connection): they run at once,
// their waits (a bound of seconds each) overlapping.
describe('the gateway\'s HTTP port with a wedged bank', { concurrency: true }, () => {
  let bank: ScriptedBank;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  /** The bank: it holds the requests of terminal HELD0001 (the test answers each by STAN when it chooses), and never answers the others. */
  let holding: PurchaseHoldingBank;
  /** Stops the gateway, closes the bank and removes `work`. */
  let close: () => Promise<void>;
  before(async () => {
    holding = await startHoldingBank((request) => request['41'] === 'HELD0001', () => undefined);
    bank = holding.bank;
    ({ gw, close } = await gatewayInFront(holding, work, ['--request-timeout', String(TIMEOUT), '--terminal-queue', '--metrics', '0']));
  });
  after(() => close());

  test('two purchases of one terminal: each answered 504 within its queue wait and the bank timeout; an advice with ?saf=true is answered 202 at once', async () => {
    // The code says which bound ended each purchase (the bank's answer: TIMEOUT; the terminal's queue: QUEUE_TIMEOUT
    // or DEADLINE); with no bound they would never be answered, which the deadline turns into a failure.
    const [first, second] = await within(Promise.all([
      httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, purchase('000101', 'WEDGED01')),
      httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, purchase('000102', 'WEDGED01')),
    ]), HUNG, 'the two purchases of one terminal to a wedged bank to be answered');
    for (const answer of [first, second]) {
      assert.equal(answer.status, 504, answer.body);
      assert.match((JSON.parse(answer.body) as { errors: { code: string }[] }).errors[0]?.code ?? '', /^ISO8583_ERR_CONNECTOR_(TIMEOUT|QUEUE_TIMEOUT|DEADLINE)$/);
    }
    const advice = JSON.stringify({ '0': '0220', '3': '000000', '4': '000000001000', '11': '000103', '41': 'WEDGED02' });
    const stored = await httpCall(gw.http.port, 'POST', '/?saf=true', { 'content-type': 'application/json' }, advice);
    assert.equal(stored.status, 202, stored.body);
  });

  test('a purchase queued behind one the bank holds is answered 504 by its own queue bound while the one ahead still waits, and never reaches the bank', async () => {
    const ahead = httpCall(gw.http.port, 'POST', `/?timeout=${HUNG}`, { 'content-type': 'application/json' }, purchase('000105', 'HELD0001'));
    const request = await bank.waitFor((m) => m['11'] === '000105');
    // The terminal is busy with 000105 until the bank answers it, which it does only once 000106 has been answered.
    const queued = await within(
      httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, purchase('000106', 'HELD0001')),
      HUNG, 'the purchase queued behind a held one to be answered before the bank answers the held one',
    );
    assert.equal(queued.status, 504, queued.body);
    assert.match((JSON.parse(queued.body) as { errors: { code: string }[] }).errors[0]?.code ?? '', /^ISO8583_ERR_CONNECTOR_(QUEUE_TIMEOUT|DEADLINE)$/);
    assert.equal(bank.received.filter((m) => m['11'] === '000106').length, 0, 'the queued purchase never reached the bank');
    holding.answer('000105', approve(request));
    const answered = await within(ahead, HUNG, 'the held purchase to be answered once the bank answers it');
    assert.equal(answered.status, 200, answered.body);
  });

  test('a body announced and never sent is answered 408 ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT after --request-timeout, and the connection closed', async () => {
    const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1:${gw.http.port}\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"0":"0200",`;
    const { answer, ms } = await stall(gw.http.port, head, RECEIPT + SLACK);
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(answer, /"code":"ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT"/);
    assert.ok(ms >= RECEIPT - 50, `answered after ${ms} ms, before its bound (--request-timeout ${TIMEOUT}, at least ${MIN_REQUEST_DEADLINE})`);
  });

  test('in SocketQueue mode the 408 is in SocketQueue\'s shape, { result: "", errors: [...] }, as its clients read every answer', async () => {
    const sq = await startGateway([
      `--upstreamHost=127.0.0.1`, `--upstreamPort=${bank.port}`,
      '--request-timeout', String(TIMEOUT),
      '--reversal-journal', join(work, 'journal-sq'),
    ]);
    const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1:${sq.http.port}\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"0":"0200",`;
    const { answer } = await stall(sq.http.port, head, RECEIPT + SLACK);
    assert.match(answer, /^HTTP\/1\.1 408 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { result: unknown; errors: unknown[] };
    assert.equal(body.result, '');
    assert.match(String(body.errors[0]), /did not arrive whole/);
    assert.ok(answer.endsWith('}\n'), `one line ending with a newline, as SocketQueue's answers: ${JSON.stringify(answer.slice(-20))}`);
  });

  test('headers never ended, on the --metrics port too: 408 and closed', async () => {
    const metrics = gw.metrics as { port: number };
    await Promise.all(
      [gw.http.port, metrics.port].map(async (port) => {
        const { answer } = await stall(port, `GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-slow: `, RECEIPT + SLACK);
        assert.match(answer, /^HTTP\/1\.1 408 /, `port ${port}`);
        assert.match(answer, /ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT/, `port ${port}`);
      }),
    );
  });

  test('a request that arrived whole is not cut by that bound: ?timeout= longer than --request-timeout is waited for (504 from the connector)', async () => {
    const answer = await httpCall(gw.http.port, 'POST', `/?timeout=${2 * TIMEOUT}`, { 'content-type': 'application/json' }, purchase('000104', 'WEDGED03'));
    assert.equal(answer.status, 504, answer.body);
    assert.match(answer.body, /ISO8583_ERR_CONNECTOR_TIMEOUT/);
  });
});
