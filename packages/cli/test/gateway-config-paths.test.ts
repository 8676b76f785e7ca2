// A gateway config file's relative paths are read against the file's folder, as a flow file's are (docs/flows.md
// "Paths"): a service whose working folder is `/` (the systemd example) finds `"dialect": "my-host.json"` beside its
// config file. They used to be read against the working folder. Flags stay relative to the working folder. The real
// binary, `--check-config`, run from another folder than the config file's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

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
  const r = await runCli(['gateway', '--config', config, '--check-config']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /gateway config is valid/);
});
