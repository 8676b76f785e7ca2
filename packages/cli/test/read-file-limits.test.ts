// A flag file is read only when it is a regular file of at most 1 MiB (FLAG_FILE_LIMIT), checked before a byte is read:
// `--tls-ca /dev/zero` was read for ever (6 GB of memory in 8 s), a FIFO with no writer held `--check-config` for
// ever, a huge file was read whole before anything said no. The real binary for the FIFO (bounded: killed at 30 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLAG_FILE_LIMIT, readFlagFile } from '../src/read-file.js';
import { readPemFile } from '../src/flags.js';
import { BIN } from './cli-process.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-read-file-limits-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

function refused(run: () => unknown, flag: string, reason: RegExp): void {
  assert.throws(run, (err: Error & { code?: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CLI_FILE');
    assert.equal(err.field, flag);
    assert.match(err.message, reason);
    return true;
  });
}

test('a device is refused before a byte is read: /dev/zero', () => {
  refused(() => readPemFile('/dev/zero', '--tls-ca'), '--tls-ca', /^--tls-ca: \/dev\/zero is a character device, not a regular file: give a file$/);
  refused(() => readFlagFile('/dev/zero', '--config'), '--config', /is a character device/);
});

test('a FIFO with no writer is refused at once, never waited on', () => {
  const fifo = join(work, 'ca-fifo.pem');
  const made = spawnSync('mkfifo', [fifo], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  refused(() => readPemFile(fifo, '--tls-ca'), '--tls-ca', /ca-fifo\.pem is a FIFO \(named pipe\), not a regular file/);
  const r = spawnSync(process.execPath, [BIN, 'gateway', '--upstream', '127.0.0.1:9', '--tls-ca', fifo, '--check-config'], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  assert.equal(r.signal, null, 'ended by itself, not killed at the deadline');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /ISO8583_ERR_CLI_FILE: --tls-ca: .*ca-fifo\.pem is a FIFO \(named pipe\), not a regular file/);
});

test('a file over 1 MiB is refused naming the flag; one of 1 MiB is read whole', () => {
  assert.equal(FLAG_FILE_LIMIT, 1024 * 1024);
  const big = join(work, 'big.json');
  writeFileSync(big, Buffer.alloc(FLAG_FILE_LIMIT + 1, 0x20));
  refused(() => readFlagFile(big, '--config'), '--config', /big\.json is larger than 1048576 bytes/);
  refused(() => readFlagFile(big, '--tls-ca', 1000), '--tls-ca', /is larger than 1000 bytes/);
  const full = join(work, 'full.json');
  writeFileSync(full, Buffer.alloc(FLAG_FILE_LIMIT, 0x20));
  assert.equal(readFlagFile(full, '--config').length, FLAG_FILE_LIMIT);
  // A file whose size says 0 though it holds bytes (/proc) is read all the same.
  assert.match(readFlagFile('/proc/self/status', '--config'), /^Name:/);
});
