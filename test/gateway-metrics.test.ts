/**
 * `--metrics PORT` moves the monitoring routes off the client-facing HTTP port: `/stats` and `/metrics` answer 404 on
 * `--http` and 200 on the metrics port, which binds 127.0.0.1 unless `--metrics-host` says otherwise and, asking for no
 * token, refuses a `Host` naming another machine (DNS rebinding) as the HTTP port without a token does, and a body
 * announced past the HTTP port's limit (HTTP_BODY_LIMIT, 256 KiB, not Fastify's 1 MiB) with 413 before a byte of it is
 * read. One simulator serves every gateway; the first three tests read the same `--metrics 0` gateway (none sends what
 * another counts), stopped with exit 0 at the end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { announcedTooLarge, httpCall, within } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-metrics-'));
/** The HTTP ports' `bodyLimit` (HTTP_BODY_LIMIT, packages/cli/src/http/body-limit.ts), the metrics port's too. */
const LIMIT = 256 * 1024;

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('iso8583 gateway --metrics', () => {
  let bank: Awaited<ReturnType<typeof startSimulator>>;
  /** The gateway with `--metrics 0` of the first three tests. */
  let shared: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    bank = await startSimulator();
    shared = await startGateway([
      '--upstream', `${bank.host}:${bank.port}`,
      '--metrics', '0',
      '--reversal-journal', join(work, 'journal-a'),
      '--log-level', 'warn',
    ]);
  });
  after(async () => {
    shared.process.kill('SIGTERM');
    assert.equal((await shared.process.exited).code, 0);
  });

  test('/stats and /metrics answer 404 on --http and 200 on the metrics port, bound to 127.0.0.1', async () => {
    const gw = shared;
    const metrics = gw.metrics;
    assert.ok(metrics !== undefined, 'the ready line names the metrics address');
    assert.equal(metrics.host, '127.0.0.1');
    const http = `http://${gw.http.host}:${gw.http.port}`;
    // The client-facing routes still answer on --http.
    const echo = await fetch(`${http}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ '0': '0800', '7': '1121103000', '11': '000001', '70': '301' }),
    });
    assert.equal(echo.status, 200);
    for (const path of ['/stats', '/metrics']) {
      assert.equal((await fetch(`${http}${path}`)).status, 404, `${path} is not on the client-facing port`);
      const res = await fetch(`http://${metrics.host}:${metrics.port}${path}`);
      assert.equal(res.status, 200, `${path} is on the metrics port`);
      if (path === '/stats') {
        const stats = (await res.json()) as { upstream: { requests: number; byMti: Record<string, number> } };
        assert.equal(stats.upstream.byMti['0800'], 1, 'the echo sent over --http is counted');
      } else {
        assert.match(await res.text(), /^iso8583_connector_requests_total\{[^}]*\} 1$/m);
      }
    }
  });

  test('the metrics port refuses a Host naming another machine (DNS rebinding) with 421; IP addresses and localhost are answered', async () => {
    const port = (shared.metrics as { port: number }).port;
    for (const path of ['/metrics', '/stats']) {
      const rebound = await httpCall(port, 'GET', path, { host: `evil.example:${port}` });
      assert.equal(rebound.status, 421, path);
      const error = (JSON.parse(rebound.body) as { error: { code: string; message: string } }).error;
      assert.equal(error.code, 'ISO8583_ERR_CONSOLE_HOST');
      assert.doesNotMatch(error.message, /token/, 'the metrics port asks for no token: the answer does not offer one');
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST`, '10.1.2.3:9100']) {
      assert.equal((await httpCall(port, 'GET', '/metrics', { host })).status, 200, host);
    }
  });

  test('the metrics port refuses a body announced past the HTTP body limit with 413 ISO8583_ERR_CONSOLE_INPUT, unread', async () => {
    const port = (shared.metrics as { port: number }).port;
    // Past 256 KiB (HTTP_BODY_LIMIT, packages/cli/src/http/body-limit.ts), under Fastify's 1 MiB: with Fastify's limit
    // the port would wait for the body (none comes) until --request-timeout and answer 408.
    for (const path of ['/metrics', '/stats', '/nowhere']) {
      const refused = await within(announcedTooLarge(port, path, LIMIT + 1), 10_000, `the 413 to a body announced past the limit on ${path}`);
      assert.equal(refused.status, 413, `${path}: ${refused.body}`);
      const error = (JSON.parse(refused.body) as { error: { code: string; message: string; field: string } }).error;
      assert.deepEqual(error, { code: 'ISO8583_ERR_CONSOLE_INPUT', message: `body: the body is larger than its limit, ${LIMIT} bytes (bodyLimit)`, field: 'body' });
    }
    // The port serves on.
    assert.equal((await httpCall(port, 'GET', '/metrics', {})).status, 200);
  });

  test('without --metrics, /stats and /metrics stay on the HTTP port', async () => {
    const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', join(work, 'journal-b'), '--log-level', 'warn']);
    assert.equal(gw.metrics, undefined);
    for (const path of ['/stats', '/metrics']) assert.equal((await fetch(`http://${gw.http.host}:${gw.http.port}${path}`)).status, 200, path);
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
  });

  test('--metrics-host names the address of the metrics listener, apart from --bind', async () => {
    const gw = await startGateway([
      '--upstream', `${bank.host}:${bank.port}`,
      '--bind', '127.0.0.1',
      '--metrics', '0',
      '--metrics-host', '127.0.0.2',
      '--reversal-journal', join(work, 'journal-c'),
      '--log-level', 'warn',
    ]);
    assert.equal(gw.metrics?.host, '127.0.0.2');
    assert.equal((await fetch(`http://127.0.0.2:${gw.metrics?.port}/stats`)).status, 200);
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
  });
});
