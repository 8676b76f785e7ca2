/**
 * `--http-body-budget BYTES` bounds the request bodies the HTTP port, and the `--metrics` port its own, hold at once
 * while they arrive (packages/cli/src/http/body-budget.ts; its sharing between clients is pinned in
 * packages/cli/test/http-body-budget.test.ts): with the real binary, a body that alone passes a budget set below it is
 * answered 503 `ISO8583_ERR_CONSOLE_BODY_BUDGET` with `Retry-After` on both ports, its connection closed, and a body
 * within it is served.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpCall, rawHttp, readUntil, within } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-http-body-budget-'));
const BUDGET = 1000;
const DEADLINE = 15_000;
const REFUSED = { code: 'ISO8583_ERR_CONSOLE_BODY_BUDGET', message: 'the request bodies arriving at this port hold its most bytes (--http-body-budget): nothing was sent on: try again' };

describe('iso8583 gateway --http-body-budget', () => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    const bank = await startSimulator();
    gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--metrics', '0', '--http-body-budget', String(BUDGET), '--reversal-journal', join(work, 'journal'), '--log-level', 'warn']);
  });
  after(async () => {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  });

  test('a body past the budget is answered 503 BODY_BUDGET with Retry-After and its connection closed; a body within it is served', async () => {
    const port = gw.http.port;
    const conn = rawHttp(port);
    try {
      conn.socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${2 * BUDGET}\r\n\r\n${' '.repeat(2 * BUDGET)}`);
      await within(readUntil(conn, /\r\n\r\n\{[\s\S]*\}$/), DEADLINE, 'the answer to the body past the budget');
      await within(conn.closed, DEADLINE, 'the connection of the body past the budget was not closed');
      const [head = '', body = ''] = conn.text().split('\r\n\r\n');
      assert.match(head, /^HTTP\/1\.1 503 [\s\S]*\r\nRetry-After: 1\r\n/i);
      assert.deepEqual(JSON.parse(body), { error: REFUSED });
    } finally {
      conn.socket.destroy();
    }
    const echo = await httpCall(port, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify({ '0': '0800', '7': '1121103000', '11': '000001', '70': '301' }));
    assert.equal(echo.status, 200, echo.body);
  });

  test('the --metrics port keeps its own budget of the same size', async () => {
    const port = (gw.metrics as { port: number }).port;
    // The HTTP port holds 60% of its budget: a body arriving slowly.
    const httpPort = gw.http.port;
    const holder = rawHttp(httpPort);
    try {
      holder.socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${httpPort}\r\nContent-Type: application/json\r\nContent-Length: ${BUDGET}\r\n\r\n${' '.repeat(0.6 * BUDGET)}`);
      // Counted: the gateway (another process) may read the holder's bytes after a probe's. A body of 70% on the same
      // port fits the budget alone: it is refused (holding the most) only once the holder's 60% is counted, and read
      // whole before (its 400: white space is no JSON; nothing held after). Sent until refused, so the holder is counted.
      const counted = (async () => {
        for (;;) {
          const probe = await httpCall(httpPort, 'POST', '/', { 'content-type': 'application/json' }, ' '.repeat(0.7 * BUDGET));
          if (probe.status === 503) return;
          assert.equal(probe.status, 400, probe.body);
        }
      })();
      await within(counted, DEADLINE, 'the holder\'s 60% counted on the HTTP port (a body of 70% refused)');
      // The --metrics port takes a body of 90% meanwhile, read whole (its 400: white space is no JSON; not 503): the
      // ports share no budget (one budget held 150% and refused it, the heaviest).
      const taken = await httpCall(port, 'POST', '/metrics', { 'content-type': 'application/json' }, ' '.repeat(0.9 * BUDGET));
      assert.equal(taken.status, 400, taken.body);
      assert.equal((JSON.parse(taken.body) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_INPUT');
      // The holder was held throughout, not refused: the rest of its body comes and it is read whole (400, not 503).
      holder.socket.write(' '.repeat(0.4 * BUDGET));
      await within(readUntil(holder, /\r\n\r\n\{[\s\S]*\}$/), DEADLINE, 'the answer to the holder\'s whole body');
      assert.match(holder.text(), /^HTTP\/1\.1 400 [\s\S]*"the body is not valid JSON"/);
    } finally {
      holder.socket.destroy();
    }
    const refused = await httpCall(port, 'POST', '/metrics', { 'content-type': 'application/json' }, ' '.repeat(2 * BUDGET));
    assert.equal(refused.status, 503, refused.body);
    assert.deepEqual(JSON.parse(refused.body), { error: REFUSED });
    assert.equal((await httpCall(port, 'GET', '/metrics', {})).status, 200);
  });
});
