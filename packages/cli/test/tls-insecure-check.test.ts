// Turning the check of the host's certificate off (`gateway --tls-insecure`, config key `tlsInsecure`; a flow
// connector's `tls.rejectUnauthorized: false`) was silent at `--check-config` and `run --check`. Now each prints a
// `warning: ISO8583_WARN_TLS_INSECURE: ...` line naming the flag or the JSON path (the start logs it, connector side).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { checkGatewayConfig } from '../src/gateway/check-config.js';
import { runCli } from './cli-process.js';

test('gateway --check-config with --tls-insecure prints ISO8583_WARN_TLS_INSECURE naming the flag; without it, none', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-tls-insecure-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const check = (...flags: string[]): string =>
    checkGatewayConfig(parseGatewayArgs(['--upstream', '127.0.0.1:9', '--tls', '--reversal-journal', join(dir, 'j'), ...flags]).config);
  const insecure = check('--tls-insecure');
  assert.match(insecure, /^warning: ISO8583_WARN_TLS_INSECURE: --tls-insecure \(config key tlsInsecure\): the host's certificate is not verified: .*\(testing only\)\n/m);
  assert.equal(insecure.match(/ISO8583_WARN_TLS_INSECURE/g)?.length, 1, insecure);
  assert.doesNotMatch(check(), /TLS_INSECURE/);
});

test('run --check of a flow whose connector has tls.rejectUnauthorized false prints the warning naming its JSON path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-tls-insecure-flow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({ name: 'payments', connectors: { bank: { host: '127.0.0.1', port: 9, tls: { rejectUnauthorized: false } } } }));
  const r = await runCli(['run', file, '--check']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^warning: ISO8583_WARN_TLS_INSECURE: \/connectors\/bank\/tls\/rejectUnauthorized: the host's certificate is not verified: .*\nflow payments is valid\n$/);
});
