/**
 * The deployment examples as shipped: examples/gateway.config.json passes the gateway's own config schema, and
 * examples/systemd/iso8583-gateway.service is a unit systemd accepts whose ExecStartPre and ExecStart are `iso8583
 * gateway` command lines that the real binary parses (`--check-config`: no port opened, no file made).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { readConfigFile } from '@iso8583/cli';
import { BIN } from './helpers/cli.js';

const root = repoRoot();
const configFile = join(root, 'examples', 'gateway.config.json');
const unitFile = join(root, 'examples', 'systemd', 'iso8583-gateway.service');
const work = mkdtempSync(join(tmpdir(), 'iso8583-deploy-'));

after(() => rmSync(work, { recursive: true, force: true }));

/**
 * The example config as the unit runs it: its journal and log paths under `work`, in the folders that the unit's
 * `StateDirectory=iso8583` and `LogsDirectory=iso8583` make for the service before `ExecStartPre` runs (the check asks
 * that this user may make the journal folder and the log file there, as the start does).
 */
const deployedConfig = join(work, 'deployed.json');
{
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  const reroot = (path: unknown): string => join(work, String(path));
  mkdirSync(join(work, 'var', 'lib', 'iso8583'), { recursive: true });
  mkdirSync(join(work, 'var', 'log', 'iso8583'), { recursive: true });
  writeFileSync(deployedConfig, JSON.stringify({ ...config, reversalJournal: reroot(config.reversalJournal), logFile: reroot(config.logFile) }));
}

/** The `KEY=value` lines of a unit file's `[Service]` section. */
function serviceLines(unit: string, key: string): string[] {
  const service = /^\[Service\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(unit)?.[1] ?? '';
  return [...service.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] as string);
}

/** Runs a unit's command line with the real binary in place of /usr/bin/iso8583 and the example config as deployed. */
function runLine(line: string, extra: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const words = line.split(/\s+/).filter((w) => w !== '');
  assert.equal(words[0], '/usr/bin/iso8583', `the unit runs the installed command: ${line}`);
  const args = words.slice(1).map((w) => (w === '/etc/iso8583/gateway.json' ? deployedConfig : w));
  const r = spawnSync(process.execPath, [BIN, ...args, ...extra], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('examples/gateway.config.json passes the gateway config schema', () => {
  const config = readConfigFile(configFile);
  assert.equal(config.upstream, '10.1.2.3:5000');
  assert.equal(config.listen, 8583);
});

test('the unit checks the config before the start and starts `iso8583 gateway --config`, both parsed by the real binary', () => {
  const unit = readFileSync(unitFile, 'utf8');
  const [pre] = serviceLines(unit, 'ExecStartPre');
  const [start] = serviceLines(unit, 'ExecStart');
  assert.ok(pre !== undefined && start !== undefined, 'ExecStartPre and ExecStart are given');
  assert.match(pre, /--check-config$/);
  const checked = runLine(pre);
  assert.equal(checked.status, 0, checked.stderr);
  assert.match(checked.stdout, /^gateway config is valid: upstream=10\.1\.2\.3:5000 pos=127\.0\.0\.1:8583 http=127\.0\.0\.1:8080\n$/);
  const started = runLine(start, ['--check-config']);
  assert.equal(started.status, 0, started.stderr);
});

test('--check-config makes nothing: the journal folder and the log file of the config are not created', () => {
  const config = join(work, 'gateway.json');
  const journal = join(work, 'state', 'journal');
  const log = join(work, 'log', 'gateway.log');
  writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), reversalJournal: journal, logFile: log }));
  const r = spawnSync(process.execPath, [BIN, 'gateway', '--config', config, '--check-config'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(existsSync(join(work, 'state')), false);
  assert.equal(existsSync(join(work, 'log')), false);
});

test('a config with a mistake fails the ExecStartPre check with the coded error naming the key', () => {
  const bad = join(work, 'bad.json');
  writeFileSync(bad, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), listen: 70000 }));
  const r = spawnSync(process.execPath, [BIN, 'gateway', '--config', bad, '--check-config'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ISO8583_ERR_GATEWAY_CONFIG: config file \S+ is invalid:\n {2}\/listen: /);
});

test('systemd-analyze verify accepts the unit (where systemd-analyze is installed)', (t) => {
  const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    t.skip('systemd-analyze is not installed');
    return;
  }
  // The unit as installed, with /usr/bin/iso8583 standing for a wrapper around this checkout's binary.
  const wrapper = join(work, 'iso8583');
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(wrapper, 0o755);
  const unit = join(work, 'iso8583-gateway.service');
  writeFileSync(unit, readFileSync(unitFile, 'utf8').replaceAll('/usr/bin/iso8583', wrapper));
  const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  assert.equal(r.status, 0, `systemd-analyze verify: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /iso8583-gateway\.service:/, 'no warning about the unit');
});
