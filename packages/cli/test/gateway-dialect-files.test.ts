// The gateway's dialect files are read as every flag file is (`decode --dialect` reads its so): a file too large, a
// folder or a missing file is ISO8583_ERR_CLI_FILE naming the setting that gave it, the file and the reason. They
// used to be read without the CLI's reader: `--client-dialect big.json` said `field dialect` (the wrong option, no
// file), a folder said EISDIR without its path. The real binary, `--check-config`: what an ExecStartPre runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

/** A folder of its own for the test, removed after it. */
function workDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-gw-dialect-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The check's one error line, after asserting that it failed with exit 1 and printed no "valid" line. */
async function refused(args: string[]): Promise<string> {
  const r = await runCli(['gateway', '--upstream', '127.0.0.1:5000', ...args, '--check-config']);
  assert.equal(r.code, 1, `exit code; stdout ${r.stdout} stderr ${r.stderr}`);
  assert.doesNotMatch(r.stdout, /valid/);
  return r.stderr;
}

test('gateway --client-dialect with a file over 1 MiB: CLI_FILE naming --client-dialect and the file', async (t) => {
  const big = join(workDir(t), 'big.json');
  writeFileSync(big, ' '.repeat(1_100_000));
  const err = await refused(['--client-dialect', big]);
  assert.match(err, /ISO8583_ERR_CLI_FILE: --client-dialect: .*big\.json is larger than 1048576 bytes/);
});

test('gateway --dialect naming a folder: CLI_FILE naming --dialect, the folder and EISDIR', async (t) => {
  const folder = join(workDir(t), 'adir.json');
  mkdirSync(folder);
  const err = await refused(['--dialect', folder]);
  assert.match(err, /ISO8583_ERR_CLI_FILE: --dialect: .*adir\.json.*EISDIR/);
});

test('gateway config file, an upstream whose dialect file is missing: CLI_FILE naming its key and the file', async (t) => {
  const dir = workDir(t);
  const config = join(dir, 'gw.json');
  writeFileSync(config, JSON.stringify({ upstreams: [{ name: 'a', upstream: '127.0.0.1:5000' }, { name: 'b', upstream: '127.0.0.1:5001', dialect: 'missing.json' }] }));
  const r = await runCli(['gateway', '--config', config, '--check-config']);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, new RegExp(`ISO8583_ERR_CLI_FILE: /upstreams/1/dialect: cannot read the file ${join(dir, 'missing.json').replace(/[.]/g, '\\.')}: ENOENT`));
});
