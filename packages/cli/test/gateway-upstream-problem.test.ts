// A problem of one of the config file's `upstreams` names that upstream's key (`/upstreams/N/key`), as its TLS files
// already did: a bad dialect (unknown, not JSON), frame or echoInterval of the second upstream was told as the
// gateway's own (`field dialect`, `invalid connector options: frame`). The gateway's own bad dialect stays the
// gateway's. The real binary's --check-config with real config files; the start refuses alike.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { checkGatewayConfig } from '../src/gateway/check-config.js';
import { runCli } from './cli-process.js';

function workDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-upstream-problem-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Two upstreams, the second with `own` settings. */
function twoUpstreams(own: Record<string, unknown>, gateway: Record<string, unknown> = {}): Record<string, unknown> {
  return { upstreams: [{ name: 'a', upstream: '127.0.0.1:9' }, { name: 'b', upstream: '127.0.0.1:10', ...own }], ...gateway };
}

/** The error `--check-config` of `body` throws (the check itself, in this process). */
function checkError(dir: string, body: Record<string, unknown>): { code?: unknown; field?: unknown; message: string } {
  const file = join(dir, `gateway-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(body));
  try {
    checkGatewayConfig(parseGatewayArgs(['--config', file, '--listen', '0', '--http', '0', '--reversal-journal', join(dir, 'journal')]).config);
  } catch (err) {
    return err as { code?: unknown; field?: unknown; message: string };
  }
  assert.fail(`accepted: ${JSON.stringify(body)}`);
}

test('an upstream\'s own bad dialect, frame or echoInterval names /upstreams/N/key and the upstream, its code kept', (t) => {
  const dir = workDir(t);
  writeFileSync(join(dir, 'bad.json'), '{"x":');
  const cases: { own: Record<string, unknown>; code: string; field: string }[] = [
    { own: { dialect: 'nosuch' }, code: 'ISO8583_ERR_DIALECT_UNKNOWN', field: '/upstreams/1/dialect' },
    { own: { dialect: join(dir, 'bad.json') }, code: 'ISO8583_ERR_DIALECT_INVALID', field: '/upstreams/1/dialect' },
    { own: { frame: 'bogus' }, code: 'ISO8583_ERR_CONNECTOR_OPTIONS', field: '/upstreams/1/frame' },
    { own: { echoInterval: 99_999_999_999 }, code: 'ISO8583_ERR_CONNECTOR_OPTIONS', field: '/upstreams/1/echoInterval' },
  ];
  for (const c of cases) {
    const e = checkError(dir, twoUpstreams(c.own));
    assert.equal(e.code, c.code, e.message);
    assert.equal(e.field, c.field, e.message);
    assert.ok(e.message.startsWith(`${c.field} (upstream "b"): `), e.message);
  }
  // The gateway's own dialect (no upstream gives one): not an upstream's problem.
  const own = checkError(dir, twoUpstreams({}, { dialect: 'nosuch' }));
  assert.equal(own.code, 'ISO8583_ERR_DIALECT_UNKNOWN');
  assert.doesNotMatch(own.message, /upstreams/);
});

test('--check-config and the start print the upstream\'s key', async (t) => {
  const dir = workDir(t);
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(twoUpstreams({ frame: 'bogus' })));
  const args = ['gateway', '--config', file, '--listen', '0', '--http', '0', '--reversal-journal', join(dir, 'journal')];
  for (const argv of [[...args, '--check-config'], args]) {
    const run = await runCli(argv);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /^iso8583: ISO8583_ERR_CONNECTOR_OPTIONS: \/upstreams\/1\/frame \(upstream "b"\): invalid connector options: frame/);
  }
});
