// `gateway --check-config` and `run --check` look at the journal folders the start would make and open: one the start
// could not open (a file in its place or above it, a folder it may not write) fails the check, naming the flag or JSON path, and the check
// makes nothing (a folder still to be made stays unmade, no lock file in a folder that is there). The HTTP port open to
// the network without a token is a warning line of --check-config, as the start logs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal, FileTransactionLog } from '@iso8583/connector';
import { tmpfsFolder } from '@iso8583/test-support';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { checkGatewayConfig } from '../src/gateway/check-config.js';
import { runCli } from './cli-process.js';
import type { BatchResult } from '@iso8583/test-support';
import { batchAsOther, openFolder, otherUserSkip, runAsOther } from './other-user.js';

function folder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-check-journal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function check(...flags: string[]): string {
  return checkGatewayConfig(parseGatewayArgs(['--upstream', '127.0.0.1:9', ...flags]).config);
}

test('gateway --check-config with a --reversal-journal under a regular file exits 1 naming --reversal-journal and ENOTDIR', async (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, 'afile'), '');
  const r = await runCli(['gateway', '--upstream', '127.0.0.1:1', '--reversal-journal', join(dir, 'afile', 'j'), '--check-config']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: --reversal-journal: the journal folder \S+afile\/j cannot be made or written: ENOTDIR/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
});

test('--check-config: a --reversal-journal that is a file, or each upstream of a group under one, is refused', (t) => {
  const dir = folder(t);
  const file = join(dir, 'plain');
  writeFileSync(file, '');
  assert.throws(() => check('--reversal-journal', file), { code: 'ISO8583_ERR_GATEWAY_CONFIG', field: '--reversal-journal', message: /ENOTDIR/ });
  const group = parseGatewayArgs(['--upstream', 'a=127.0.0.1:1', '--upstream', 'b=127.0.0.1:2', '--reversal-journal', dir]).config;
  writeFileSync(join(dir, 'b'), '');
  assert.throws(() => checkGatewayConfig(group), { message: /journal folder \S+\/b cannot be made or written: ENOTDIR/ });
});

test('--check-config: a journal folder still to be made, or one that is there, passes and is left as it was', (t) => {
  const dir = folder(t);
  assert.match(check('--reversal-journal', join(dir, 'new', 'journal')), /gateway config is valid/);
  assert.equal(existsSync(join(dir, 'new')), false, 'nothing made');
  mkdirSync(join(dir, 'there'));
  assert.match(check('--reversal-journal', join(dir, 'there')), /gateway config is valid/);
  assert.deepEqual(readdirSync(join(dir, 'there')), [], 'no lock or journal file made');
  assert.match(check('--reversal-journal', join(dir, 'afile'), '--store', 'postgresql://u@127.0.0.1:1/db', '--no-transaction-log'), /valid/);
});

test('--check-config: a journal folder this user may not write is refused', { skip: otherUserSkip() }, (t) => {
  // Root may write anywhere: the check runs as nobody then (other-user.ts), as a service's ExecStartPre runs as its user.
  const dir = openFolder(t);
  mkdirSync(join(dir, 'ro'));
  chmodSync(join(dir, 'ro'), 0o555);
  const r = runAsOther(['gateway', '--upstream', '127.0.0.1:1', '--reversal-journal', join(dir, 'ro'), '--check-config']);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: --reversal-journal: the journal folder \S+\/ro cannot be made or written: EACCES \(permission denied\)\n$/);
});

test('--check-config: a journal folder or log file still to be made in a folder this user may not write is refused, as the start would fail', async (t) => {
  const dir = folder(t);
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'ro'));
  chmodSync(join(dir, 'ro'), 0o555);
  // Root may write anywhere: the check runs as nobody then, as a service's ExecStartPre runs as the service's user. The
  // three lines share one batch child (the real binary as that user: the test before this one).
  mkdirSync(join(dir, 'rw'));
  chmodSync(join(dir, 'rw'), 0o777);
  const line = (...flags: string[]) => ['gateway', '--upstream', '127.0.0.1:1', ...flags, '--check-config'];
  const [journal, log, ok] = (await batchAsOther([
    line('--reversal-journal', join(dir, 'ro', 'state', 'journal')),
    line('--no-reversal', '--no-transaction-log', '--log-file', join(dir, 'ro', 'logs', 'gateway.log')),
    line('--reversal-journal', join(dir, 'rw', 'state', 'journal'), '--log-file', join(dir, 'rw', 'logs', 'gateway.log')),
  ])) as [BatchResult, BatchResult, BatchResult];
  assert.equal(journal.code, 1, journal.stdout);
  assert.match(journal.stderr, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: --reversal-journal: the journal folder \S+\/ro\/state\/journal cannot be made or written: EACCES \(permission denied\): this user may not make \S+\/ro\/state\/journal in \S+\/ro\n$/);
  assert.equal(log.code, 1, log.stdout);
  assert.match(log.stderr, /ISO8583_ERR_GATEWAY_CONFIG: --log-file \S+\/gateway\.log cannot be opened for writing: EACCES \(permission denied\): this user may not make \S+ in \S+\/ro\n$/);
  assert.equal(existsSync(join(dir, 'ro', 'state')), false, 'nothing made');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /gateway config is valid/);
});

test('run --check with a reversal.journalDir under a regular file fails ISO8583_ERR_FLOW_INVALID naming its JSON path', async (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, 'afile'), '');
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({
    connectors: { bank: { host: '127.0.0.1', port: 1, reversal: { enabled: true, journalDir: 'afile/j' } } },
    inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } },
  }));
  const r = await runCli(['run', file, '--check']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_FLOW_INVALID: flow file \S+: \/connectors\/bank\/reversal\/journalDir: the journal folder \S+afile\/j cannot be made or written: ENOTDIR/);
});

test('--check-config prints ISO8583_WARN_HTTP_OPEN for an HTTP port beyond loopback without a token, and not with one', () => {
  const open = check('--bind', '0.0.0.0', '--no-transaction-log', '--no-reversal');
  assert.match(open, /^warning: ISO8583_WARN_HTTP_OPEN: the HTTP port .* give --http-token-file, or --http-bind 127\.0\.0\.1\ngateway config is valid: .* http=0\.0\.0\.0:8080$/);
  assert.doesNotMatch(check('--bind', '0.0.0.0', '--http-bind', '127.0.0.1', '--no-reversal', '--no-transaction-log'), /warning/);
  assert.doesNotMatch(check('--bind', '0.0.0.0', '--http-token', 'secret-token-1234567890', '--no-reversal', '--no-transaction-log'), /warning/);
  assert.doesNotMatch(check('--bind', '0.0.0.0', '--no-http', '--no-reversal', '--no-transaction-log'), /warning/);
});

test('--check-config reads the day files of the transaction log by the connector\'s rule: a name of no date is no day file, for the check as for the start', async (t) => {
  const dir = folder(t);
  // A folder under a day file's name of a day that is no date (month 13): the start never reads it (it is no day file),
  // so the check must not refuse it (EISDIR) either; the newest real day file is read by both.
  mkdirSync(join(dir, 'transactions-2026-13-01.jsonl'));
  writeFileSync(join(dir, 'transactions-2026-01-01.jsonl'), '');
  assert.match(check('--reversal-journal', dir), /gateway config is valid/);
  const log = new FileTransactionLog(dir);
  await log.open();
  await log.close();
  // A real day file in the same state is refused by both.
  mkdirSync(join(dir, 'transactions-2026-01-02.jsonl'));
  assert.throws(() => check('--reversal-journal', dir), { code: 'ISO8583_ERR_GATEWAY_CONFIG', message: /EISDIR .*transactions-2026-01-02\.jsonl/ });
  await assert.rejects(new FileTransactionLog(dir).open(), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' });
});

test('--check-config: a journal folder on a disk with less free space than the journal file needs is refused with ENOSPC, as the start fails', async (t) => {
  // A real full disk: a 1 MiB tmpfs under the 4 MiB a start writes (unmounted before the test's folder goes). Mounting
  // needs root.
  const dir = tmpfsFolder(t, '1m', 'iso8583-check-full-');
  if (dir === undefined) return;
  const journal = join(dir, 'journal');
  assert.throws(() => check('--reversal-journal', journal), {
    code: 'ISO8583_ERR_GATEWAY_CONFIG',
    field: '--reversal-journal',
    message: new RegExp(`ENOSPC \\(no space left on device\\): 1048576 bytes free in ${dir}, and a start needs \\d+ at least \\(the journal file it writes, preallocated\\)`),
  });
  assert.deepEqual(readdirSync(dir), [], 'nothing made');
  await assert.rejects(new FileJournal(journal).open(), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL', message: /ENOSPC/ });
});

test('--check-config: a journal whose live records do not fit beside the file the start writes is refused with ENOSPC, as the start fails', async (t) => {
  // A real disk of 9 MiB: the 4 MiB journal file holding about 1.4 MB of live reversals leaves 5 MiB free, more than
  // the 4 MiB preallocated part, less than what the start writes before the old file is gone (the records, then 4 MiB).
  const dir = tmpfsFolder(t, '9m', 'iso8583-check-live-');
  if (dir === undefined) return;
  const journal = join(dir, 'journal');
  const made = new FileJournal(journal);
  await made.open();
  const reversal = { 0: '0400', 2: '4111111111111111', 3: '000000', 4: '000000001000', 41: 'TERM0001', 42: 'MERCHANT0000001', 90: '0200'.padEnd(42, '0') };
  await Promise.all(Array.from({ length: 6000 }, (_, i) => made.add({ id: `e${i}`, reversal: { ...reversal, 11: String(i).padStart(6, '0') }, at: 1, attempts: 0 })));
  await made.close();
  assert.throws(() => check('--reversal-journal', journal, '--no-transaction-log'), {
    code: 'ISO8583_ERR_GATEWAY_CONFIG',
    field: '--reversal-journal',
    message: /ENOSPC \(no space left on device\): \d+ bytes free in \S+, and a start needs \d+ at least \(the journal file it writes: the \d+ bytes of live records/,
  });
  // What the check foretold: the start fails on the file it writes, the journal left whole.
  await assert.rejects(new FileJournal(journal).open(), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL', message: /ENOSPC.*reversals\.jsonl\.tmp/ });
  assert.deepEqual(readdirSync(journal).sort(), ['reversals.jsonl']);
});
