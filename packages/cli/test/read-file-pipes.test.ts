// A flag file given through a pipe this process holds (a shell's `<(...)`, `... | iso8583 ... --config /dev/stdin`)
// is read to its end under the same 1 MiB cap: such a pipe has its writer already, where a named FIFO elsewhere (still
// refused: read-file-limits.test.ts) may have none. The real binary under a real shell (bash), whose pipes these are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, repoRoot } from '@iso8583/test-support';
import { FLAG_FILE_LIMIT } from '../src/read-file.js';
import { BIN } from './cli-process.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-read-file-pipes-'));
const certs = makeCertificates();
test.after(() => {
  certs.cleanup();
  rmSync(work, { recursive: true, force: true });
});
const config = join(repoRoot(), 'examples', 'gateway.config.json');

/** Runs `script` under bash with the binary as `$BIN` and `args` as `$1`...; bounded (killed at 30 s). */
function bash(script: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', script, 'bash', ...args], {
    encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL', env: { ...process.env, BIN, NODE: process.execPath },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--config through a pipe into /dev/stdin and through <(...) is read whole', () => {
  const piped = bash('cat "$1" | "$NODE" "$BIN" gateway --check-config --config /dev/stdin', config);
  assert.equal(piped.stderr, '');
  assert.equal(piped.status, 0);
  assert.match(piped.stdout, /^gateway config is valid: /);
  // A writer that pauses midway: the read waits for the rest and ends at the writer's end.
  const late = bash('"$NODE" "$BIN" gateway --check-config --config <(head -c 100 "$1"; sleep 0.2; tail -c +101 "$1")', config);
  assert.equal(late.stderr, '');
  assert.equal(late.status, 0);
});

test('--tls-ca through <(...) is read once and used for every reader of it; a pipe over 1 MiB is refused', () => {
  const ca = join(work, 'ca.pem');
  writeFileSync(ca, certs.ca);
  const r = bash('"$NODE" "$BIN" gateway --check-config --upstream 127.0.0.1:9 --tls --tls-ca <(cat "$1")', ca);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  const big = join(work, 'big.json');
  writeFileSync(big, ' '.repeat(FLAG_FILE_LIMIT + 1));
  const over = bash('cat "$1" | "$NODE" "$BIN" gateway --check-config --config /dev/stdin', big);
  assert.equal(over.status, 1);
  assert.match(over.stderr, /ISO8583_ERR_CLI_FILE: --config: \/dev\/stdin is larger than 1048576 bytes/);
});
