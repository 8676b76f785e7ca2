// `--client-tls-ca FILE` says "require POS client certificates signed by this CA"; without `--client-tls-cert` and
// `--client-tls-key` there is no TLS on the POS listener to require them with. Given alone it was accepted (by
// `--check-config` too, its file not even read: a missing file passed) and the gateway listened in plain TCP, asking no
// terminal for a certificate. The real binary: the check and the start both refuse it, naming the flag or the config
// file's key, and the start opens no port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, runCli } from './cli-process.js';

/** A folder of its own for the test, removed after it. */
function workDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-client-tls-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Starts the gateway with `args`; resolves with its exit code and stderr once it ends. A gateway that prints its ready
 * line instead (it listens) is stopped and the test fails: that is the defect.
 */
function startRefused(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'gateway', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
      if (stdout.includes('gateway listening')) {
        child.kill('SIGKILL');
        reject(new Error(`the gateway started with --client-tls-ca alone: ${stdout.trim()}`));
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('--client-tls-ca without --client-tls-cert and --client-tls-key is refused by --check-config and by the start, naming the flag', async (t) => {
  const dir = workDir(t);
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, '');
  const base = ['--upstream', '127.0.0.1:9', '--listen', '0', '--http', '0', '--reversal-journal', join(dir, 'journal'), '--client-tls-ca', ca];
  const checked = await runCli(['gateway', ...base, '--check-config']);
  assert.equal(checked.code, 1, checked.stdout);
  assert.equal(checked.stdout, '');
  assert.match(checked.stderr, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: --client-tls-ca needs --client-tls-cert and --client-tls-key: without them the POS listener is plain TCP/);
  const started = await startRefused(base);
  assert.equal(started.code, 1);
  assert.match(started.stderr, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: --client-tls-ca needs --client-tls-cert and --client-tls-key/);
});

test('config file: clientTlsCa alone is refused naming the file and /clientTlsCa', async (t) => {
  const dir = workDir(t);
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify({ upstream: '127.0.0.1:9', clientTlsCa: join(dir, 'missing-ca.pem') }));
  const checked = await runCli(['gateway', '--config', file, '--check-config']);
  assert.equal(checked.code, 1, checked.stdout);
  assert.ok(checked.stderr.startsWith(`iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${file}: clientTlsCa needs clientTlsCert and clientTlsKey`), checked.stderr);
  assert.match(checked.stderr, /\/clientTlsCa is given alone/);
  assert.doesNotMatch(checked.stderr, /--client-tls/);
});
