/**
 * The HTTP surface of `iso8583 run FLOW.json` with the real binary: the flow's HTTP port beyond loopback without a
 * token logs ISO8583_WARN_HTTP_OPEN at start, as the gateway's does (one rule, http/open-warning.ts); on loopback, or
 * with a token, it does not.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@iso8583/test-support';
import { startCli, startSimulator, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-http-surface-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** Starts `iso8583 run` on a flow with one connector and an HTTP port on `host`; resolves once it is ready. */
async function startFlow(name: string, host: string, bankPort: number, args: string[] = []): Promise<CliProcess> {
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, connectors: { bank: { host: '127.0.0.1', port: bankPort } }, http: { host, port: 0, routes: { bank: '/bank' } } }));
  const run = startCli(['run', file, ...args], { env: { ISO8583_LOG_FORMAT: 'json', XDG_STATE_HOME: work } });
  await run.waitForLine(new RegExp(`^flow ${name} ready`));
  return run;
}

async function stop(run: CliProcess): Promise<void> {
  run.kill('SIGTERM');
  await run.exited;
}

describe('iso8583 run: the open-port warning', () => {
  test('http.host 0.0.0.0 without a token: the start logs ISO8583_WARN_HTTP_OPEN naming /http/host', async () => {
    const bank = await startSimulator();
    const run = await startFlow('open', '0.0.0.0', bank.port);
    const line = await waitUntil(() => run.stderr().split('\n').find((l) => l.includes('ISO8583_WARN_HTTP_OPEN')), {
      what: 'the ISO8583_WARN_HTTP_OPEN line',
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    const entry = JSON.parse(line) as { address: string; flag: string; msg: string };
    assert.equal(entry.address, '0.0.0.0');
    assert.equal(entry.flag, '/http/host');
    assert.match(entry.msg, /--http-token-file/);
    await stop(run);
  });

  test('on loopback, or with --http-token, no warning', async () => {
    const bank = await startSimulator();
    const loopback = await startFlow('loopback', '127.0.0.1', bank.port);
    const token = await startFlow('token', '0.0.0.0', bank.port, ['--http-token', 'flow-token']);
    // Every line of a start is written before its ready line, and the process has stopped: its stderr is complete.
    await stop(loopback);
    await stop(token);
    assert.doesNotMatch(loopback.stderr(), /ISO8583_WARN_HTTP_OPEN/);
    assert.doesNotMatch(token.stderr(), /ISO8583_WARN_HTTP_OPEN/);
  });
});
