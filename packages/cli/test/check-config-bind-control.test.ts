// A bind address with a control character (`--bind`, `--http-bind`, config key "bind") is refused, naming the flag
// and the config key, never echoed: `--check-config` printed it raw in its 'valid' line (an escape sequence run on
// the operator's terminal, a newline forging a line), though no listener can ever bind such an address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

const FORGED = '127.0.0.1\u001b[2J\ngateway config is valid';

for (const flag of ['--bind', '--http-bind']) {
  test(`gateway --check-config refuses a ${flag} with a control character, naming the flag, never echoing it`, async () => {
    const r = await runCli(['gateway', '--upstream', '127.0.0.1:9', flag, FORGED, '--check-config']);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^iso8583: ISO8583_ERR_CLI_OPTION: ${flag} has a control character`));
    assert.ok(!r.stderr.includes('\u001b') && !r.stderr.includes('valid'), 'never echoed');
  });
}

test('gateway --check-config refuses a config file "bind" with a control character, naming the key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-bind-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'g.json');
  writeFileSync(file, JSON.stringify({ upstream: '127.0.0.1:9', bind: FORGED }));
  const r = await runCli(['gateway', '--config', file, '--check-config']);
  assert.notEqual(r.code, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_OPTION: --bind \(config file key "bind"\) has a control character/);
  assert.ok(!r.stderr.includes('\u001b') && !r.stderr.includes('valid'), 'never echoed');
});
