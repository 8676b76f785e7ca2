// The HTTP token as it is read: from a regular file only (`/dev/zero` aborted the process with std::bad_alloc, exit
// 134, no coded error; a FIFO's open waited for ever for a writer), its first line only, within 4096 bytes, and
// printable ASCII only, `!` to `~` (`--http-token 'pässwörd'` was taken, yet no bearer header could match it, and each
// try counted towards the lockout). The real binary for the flag, the file and the gateway's config key (one real run,
// the other command lines in one process: test-support's runMainBatch); readHttpToken (the one home of the rule) for the
// flow's and the client's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runMainBatch } from '@iso8583/test-support';
import { readHttpToken } from '../src/console/access.js';
import { BIN, runCli } from './cli-process.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-token-rules-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

const GATEWAY = ['gateway', '--check-config', '--upstream', '127.0.0.1:5000'];
const NOT_ASCII = 'pässwörd';

/** `readHttpToken(token, file)` refused with ISO8583_ERR_CLI_OPTION naming `field`, never showing `secret`. */
function refused(token: string | undefined, file: string | undefined, field: string, secret: string, reason: RegExp): void {
  assert.throws(() => readHttpToken(token, file), (err: Error & { code?: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
    assert.equal(err.field, field);
    assert.match(err.message, reason);
    assert.equal(err.message.includes(secret), false, err.message);
    return true;
  });
}

test('token file – /dev/zero is refused with a coded error naming the flag, not an abort', () => {
  // Bounded: the whole-file read grew until it aborted (or, on a busy machine, past a minute); killed at 30 s.
  const r = spawnSync(process.execPath, [BIN, ...GATEWAY, '--http-token-file', '/dev/zero'], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  assert.equal(r.signal, null, 'ended by itself, not killed at the deadline nor aborted');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /ISO8583_ERR_CLI_FILE/);
  assert.match(r.stderr, /--http-token-file/);
  assert.match(r.stderr, /is a character device, not a regular file/);
});

test('token file – a FIFO is refused at once naming the flag, never opened to wait for a writer; a folder too', () => {
  const fifo = join(work, 'token-fifo');
  const made = spawnSync('mkfifo', [fifo], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  // Bounded: the start waited for ever in open(2) for a writer that never comes; killed at 30 s.
  const r = spawnSync(process.execPath, [BIN, ...GATEWAY, '--http-token-file', fifo], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  assert.equal(r.signal, null, 'ended by itself, not killed at the deadline');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /ISO8583_ERR_CLI_FILE: --http-token-file: .*token-fifo is a FIFO \(named pipe\), not a regular file/);
  assert.throws(() => readHttpToken(undefined, work), (err: Error & { code?: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CLI_FILE');
    assert.equal(err.field, '--http-token-file');
    assert.match(err.message, /cannot read the file .*: EISDIR \(illegal operation on a directory\)$/);
    return true;
  });
});

test('token file – the first line is read up to 4096 bytes; what follows it is never read', () => {
  const long = join(work, 'long');
  writeFileSync(long, `${'a'.repeat(5000)}\n`);
  refused(undefined, long, '--http-token-file', 'aaaa', /longer than 4096 bytes/);
  const token = join(work, 'token');
  writeFileSync(token, `\uFEFF  tok-first-line\r\n${'\u00e9'.repeat(100_000)}\n`);
  assert.equal(readHttpToken(undefined, token), 'tok-first-line');
  const exact = join(work, 'exact');
  writeFileSync(exact, 'b'.repeat(4096));
  assert.equal(readHttpToken(undefined, exact), 'b'.repeat(4096));
});

test('token – a character beyond printable ASCII, a tab or two spaces inside, is refused at start: flag, file and config key', async () => {
  refused(NOT_ASCII, undefined, '--http-token', NOT_ASCII, /^--http-token: the token holds .*printable ASCII/);
  refused('two  spaces', undefined, '--http-token', 'two  spaces', /printable ASCII/);
  refused('tab\there', undefined, '--http-token', 'tab\there', /printable ASCII/);
  const file = join(work, 'not-ascii');
  writeFileSync(file, `${NOT_ASCII}\n`);
  refused(undefined, file, '--http-token-file', NOT_ASCII, /^--http-token-file: the token on the first line .*printable ASCII/);
  // The real binary for the flag; the file and the gateway's config file key in one process (`main` for each:
  // test-support's runMainBatch; each start of the binary costs a core over half a second).
  const config = join(work, 'gateway.json');
  writeFileSync(config, JSON.stringify({ upstream: '127.0.0.1:5000', httpToken: NOT_ASCII }));
  const [flag, [fromFile, key]] = await Promise.all([
    runCli([...GATEWAY, '--http-token', NOT_ASCII]),
    runMainBatch([{ args: [...GATEWAY, '--http-token-file', file] }, { args: ['gateway', '--check-config', '--config', config] }]),
  ]);
  assert.equal(flag.code, 1, flag.stderr);
  assert.match(flag.stderr, /ISO8583_ERR_CLI_OPTION.*--http-token/);
  assert.equal(flag.stderr.includes(NOT_ASCII), false);
  assert.equal(fromFile?.code, 1, fromFile?.stderr);
  assert.match(fromFile?.stderr ?? '', /ISO8583_ERR_CLI_OPTION: --http-token-file \(config key httpTokenFile\)/);
  assert.ok(key !== undefined);
  assert.equal(key.code, 1, key.stderr);
  assert.match(key.stderr, /ISO8583_ERR_CLI_OPTION: --http-token \(config key httpToken\)/);
  assert.equal(key.stderr.includes(NOT_ASCII), false);
  // Every printable ASCII character is a token character.
  const all = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
  assert.equal(readHttpToken(all, undefined), all);
  // Single spaces inside are token characters (a config's `open sesame please` worked before the rule: review48h).
  assert.equal(readHttpToken('open sesame please', undefined), 'open sesame please');
});

test('token – run and transactions, which have no config file, name their flag alone; the gateway its config key too', async () => {
  const file = join(work, 'not-ascii-2');
  writeFileSync(file, `${NOT_ASCII}\n`);
  const flow = join(work, 'flow.json');
  writeFileSync(flow, JSON.stringify({ inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } }, http: { host: '127.0.0.1', port: 0 } }));
  const commands = [
    ['run', flow, '--check'],
    // Refused before anything is asked: nothing listens on port 1.
    ['transactions', '--url', 'http://127.0.0.1:1'],
  ];
  const cases = [['--http-token', NOT_ASCII, '--http-token: the token holds'], ['--http-token-file', file, '--http-token-file: the token on the first line']];
  // In one process (`main` for each: test-support's runMainBatch), the gateway's line last.
  const results = await runMainBatch([...commands.flatMap((command) => cases.map(([flag, value]) => ({ args: [...command, flag as string, value as string] }))), { args: [...GATEWAY, '--http-token', NOT_ASCII] }]);
  for (const command of commands) {
    for (const [flag, , words] of cases) {
      const r = results.shift() as (typeof results)[number];
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.startsWith(`iso8583: ISO8583_ERR_CLI_OPTION: ${words as string}`), `${command[0] as string} ${flag as string}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /config key/);
      assert.equal(r.stderr.includes(NOT_ASCII), false);
    }
  }
  const gateway = results.shift() as (typeof results)[number];
  assert.equal(results.length, 0, 'every line checked');
  assert.ok(gateway.stderr.startsWith('iso8583: ISO8583_ERR_CLI_OPTION: --http-token (config key httpToken): the token holds'), gateway.stderr);
});
