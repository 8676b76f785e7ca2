// A stop's deadline shorter than the wait for the bank (SocketQueue's names: a 35 s --request-timeout, the 10 s
// --shutdown-deadline) is warned of, naming both flags, by --check-config and at start (the parse's warnings); it is
// not changed. The gateway's own defaults (30 s, 10 s, documented) say nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { runCli } from './cli-process.js';

const WARNING = /^warning: ISO8583_WARN_SHUTDOWN_DEADLINE: --shutdown-deadline 10000 is shorter than --request-timeout 35000: a stop gives up the requests still at the bank at its deadline .*--shutdown-deadline 35000 or more lets them finish$/m;

test('gateway --check-config with SocketQueue\'s names warns that the 10 s stop is shorter than the 35 s bank wait', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stop-warning-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await runCli(['gateway', '--upstreamHost=10.0.0.1', '--upstreamPort=5000', '--reversal-journal', dir, '--check-config']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, WARNING);
  assert.match(r.stdout, /gateway config is valid/);
});

test('shutdown deadline warning – given flags warn, the gateway\'s defaults and a long enough stop do not; nothing is changed', () => {
  const sq = parseGatewayArgs(['--upstreamHost=10.0.0.1', '--upstreamPort=5000']);
  assert.equal(sq.config.shutdownDeadline, 10_000, 'warned, not changed');
  assert.equal(sq.warnings.filter((w) => w.startsWith('ISO8583_WARN_SHUTDOWN_DEADLINE')).length, 1);
  const stopWarnings = (argv: string[]): string[] => parseGatewayArgs(argv).warnings.filter((w) => w.startsWith('ISO8583_WARN_SHUTDOWN_DEADLINE'));
  assert.deepEqual(stopWarnings(['--upstream', 'h:1']), [], 'the defaults (30 s against 10 s) are documented');
  assert.equal(stopWarnings(['--upstream', 'h:1', '--request-timeout', '60000']).length, 1);
  assert.equal(stopWarnings(['--upstream', 'h:1', '--shutdown-deadline', '5000']).length, 1);
  assert.deepEqual(stopWarnings(['--upstreamHost=10.0.0.1', '--upstreamPort=5000', '--shutdown-deadline', '35000']), []);
  // What is given up is said reversed only when reversal is on.
  assert.match(stopWarnings(['--upstream', 'h:1', '--request-timeout', '60000'])[0] ?? '', /each reversed/);
  const off = stopWarnings(['--upstream', 'h:1', '--request-timeout', '60000', '--no-reversal'])[0] ?? '';
  assert.match(off, /NOT reversed: reversal is off/);
  assert.doesNotMatch(off, /each reversed/);
});
