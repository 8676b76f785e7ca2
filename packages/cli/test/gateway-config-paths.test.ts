// A gateway config file's relative paths are read against the file's folder, as a flow file's are (docs/flows.md
// "Paths"): a service whose working folder is `/` (the systemd example) finds `"dialect": "my-host.json"` beside its
// config file. They used to be read against the working folder. Flags stay relative to the working folder. The real
// binary, `--check-config`, run from another folder than the config file's, for a valid file and a refused one; the
// other checks call what `--check-config` runs (the parse, then the check) in this process: one start of the binary
// costs about 0.5 s of CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runCli } from './cli-process.js';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { checkGatewayConfig } from '../src/gateway/check-config.js';

/** What `iso8583 gateway ...args --check-config` prints when the config is valid (in this process); a refusal throws. */
function checkConfig(args: string[]): string {
  const { config, warnings } = parseGatewayArgs([...args, '--check-config']);
  return checkGatewayConfig(config, warnings);
}

/** A folder of its own for the test (the config file's), removed after it. */
function confDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-gw-paths-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('gateway config file: dialect, logFile and reversalJournal read against its folder', async (t) => {
  const dir = confDir(t);
  writeFileSync(join(dir, 'my-host.json'), JSON.stringify({ name: 'my-host', extends: 'iso87ascii', fields: {} }));
  // A log folder that exists beside the config file only.
  mkdirSync(join(dir, 'logs'));
  const config = join(dir, 'gw.json');
  writeFileSync(config, JSON.stringify({ upstream: '127.0.0.1:5000', dialect: 'my-host.json', logFile: 'logs/gw.log', reversalJournal: 'journal' }));
  const r = await runCli(['gateway', '--config', config, '--check-config']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /gateway config is valid/);
});

test('gateway config file: an error names the path as read, against the file\'s folder', async (t) => {
  const dir = confDir(t);
  // The journal folder beside the config file is a file: the check refuses it, naming that path.
  writeFileSync(join(dir, 'journal'), 'not a folder');
  const config = join(dir, 'gw.json');
  writeFileSync(config, JSON.stringify({ upstream: '127.0.0.1:5000', reversalJournal: 'journal' }));
  const r = await runCli(['gateway', '--config', config, '--check-config']);
  assert.equal(r.code, 1, r.stdout);
  assert.ok(r.stderr.includes(`--reversal-journal: the journal folder ${join(dir, 'journal')}`), r.stderr);
});

test('gateway config file: an upstream\'s own dialect and an absolute path, a built-in name kept', async (t) => {
  const dir = confDir(t);
  writeFileSync(join(dir, 'my-host.json'), JSON.stringify({ name: 'my-host', extends: 'iso87ascii', fields: {} }));
  const config = join(dir, 'gw.json');
  const journal = join(confDir(t), 'abs-journal');
  writeFileSync(config, JSON.stringify({
    clientDialect: 'iso87ascii',
    reversalJournal: journal,
    upstreams: [{ name: 'a', upstream: '127.0.0.1:5000', dialect: 'my-host.json' }, { name: 'b', upstream: '127.0.0.1:5001' }],
  }));
  assert.match(checkConfig(['--config', config]), /gateway config is valid/);
});

test('gateway config file: a relative reversalJournal whose folder exists where earlier versions read it (the working folder) is refused, naming both', async (t) => {
  const dir = confDir(t);
  // An old journal folder, reached from the working folder (the child's is this process's) by a relative path.
  const old = confDir(t);
  mkdirSync(join(old, 'journal'));
  const given = relative(process.cwd(), join(old, 'journal'));
  // Deeper than the working folder, so that the `..` of `given` read against it do not stop at the root.
  const deep = join(dir, ...process.cwd().split('/').filter(Boolean).map((_, i) => `d${i}`));
  mkdirSync(deep, { recursive: true });
  const config = join(deep, 'gw.json');
  writeFileSync(config, JSON.stringify({ upstream: '127.0.0.1:5000', reversalJournal: given }));
  assert.throws(() => checkConfig(['--config', config]), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_GATEWAY_CONFIG');
    assert.ok(err.message.includes(join(old, 'journal')) && err.message.includes(join(deep, given)), err.message);
    assert.match(err.message, /move it to .* or give an absolute path/);
    return true;
  });
  // The same folder given absolute is the journal as before.
  writeFileSync(config, JSON.stringify({ upstream: '127.0.0.1:5000', reversalJournal: join(old, 'journal') }));
  assert.match(checkConfig(['--config', config]), /gateway config is valid/);
});

test('gateway config file: a moved relative reversalJournal is judged only when it is the journal used: a --reversal-journal flag replaces it', async (t) => {
  const dir = confDir(t);
  const old = confDir(t);
  mkdirSync(join(old, 'journal'));
  const given = relative(process.cwd(), join(old, 'journal'));
  const deep = join(dir, ...process.cwd().split('/').filter(Boolean).map((_, i) => `d${i}`));
  mkdirSync(deep, { recursive: true });
  const config = join(deep, 'gw.json');
  writeFileSync(config, JSON.stringify({ upstream: '127.0.0.1:5000', reversalJournal: given }));
  // The flag's journal (the old folder itself, given absolute) is the one opened: the file's stale value is not used.
  assert.match(checkConfig(['--config', config, '--reversal-journal', join(old, 'journal')]), /gateway config is valid/);
  // A flag naming a fresh folder: the same.
  const fresh = join(confDir(t), 'fresh');
  assert.match(checkConfig(['--config', config, '--reversal-journal', fresh]), /gateway config is valid/);
  // Without the flag the file's value is used, and still refused.
  assert.throws(() => checkConfig(['--config', config]), { code: 'ISO8583_ERR_GATEWAY_CONFIG', message: /move it to .* or give an absolute path/ });
});
