// A config file that names the bank twice, as `upstream` and as `upstreams`, was accepted: the gateway linked to the
// `upstreams` and the `upstream` was ignored without a word (`--check-config` said all was well). The real binary now
// refuses it, naming the file and `/upstream`; each key alone is still accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

test('config file: upstream beside upstreams is refused by --check-config, naming the file and /upstream', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-upstream-twice-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(content));
    return file;
  };
  const journal = ['--reversal-journal', join(dir, 'journal')];
  const both = write('both.json', { upstream: '10.1.1.1:7000', upstreams: [{ name: 'bankA', upstream: '127.0.0.1:9' }] });
  const r = await runCli(['gateway', '--config', both, ...journal, '--check-config']);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.startsWith(`iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${both}: upstream and upstreams say the same thing: give one`), r.stderr);
  for (const alone of [{ upstream: '10.1.1.1:7000' }, { upstreams: [{ name: 'bankA', upstream: '127.0.0.1:9' }] }]) {
    const ok = await runCli(['gateway', '--config', write('alone.json', alone), ...journal, '--check-config']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /gateway config is valid: upstream=(10\.1\.1\.1:7000|bankA=127\.0\.0\.1:9) /);
  }
});
