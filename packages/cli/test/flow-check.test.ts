// `iso8583 run FLOW.json [--check]` and `iso8583 gateway`: a bad log file or a sequence reference that does not resolve
// is a coded error before anything starts, and `--check` finds the same ones. The `--check` and `--check-config` lines
// run in one process (`main` for each, helpers/main-batch.ts); the starts that must refuse, with the real binary.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';
import type { CliResult } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-check-'));
after(() => rmSync(work, { recursive: true, force: true }));
const batch = mainBatch();
/** How a line ended, in the batch or with the real binary. */
type Ran = Pick<CliResult, 'code' | 'stdout' | 'stderr'>;

/** A folder of its own for each test's files. */
function folder(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  return dir;
}

function flowFile(dir: string, name: string, flow: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } }, ...flow }));
  return file;
}

for (const check of [true, false]) {
  const file = flowFile(folder(`dirlog-${String(check)}`), 'dirlog.json', { logFile: '.' });
  const args = ['run', file, ...(check ? ['--check'] : [])];
  const checked = check ? batch.line(args) : (): Promise<Ran> => runCli(args);
  test(`run${check ? ' --check' : ''} with a logFile that is a folder fails with ISO8583_ERR_FLOW_FILE naming /logFile and EISDIR, no stack`, async () => {
    const r = await checked();
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '', 'nothing is valid, nothing started');
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_FLOW_FILE: flow file \S+: \/logFile: \S+ cannot be opened for writing: EISDIR \(illegal operation on a directory\)\n$/);
  });
}

const underFile = folder('under-file');
writeFileSync(join(underFile, 'plain'), '');
const underFileRun = batch.line(['run', flowFile(underFile, 'f.json', { logFile: 'plain/logs/flow.log' }), '--check']);
test('run --check with a logFile under a regular file fails with ENOTDIR and makes nothing', async () => {
  const r = await underFileRun();
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ISO8583_ERR_FLOW_FILE: .*\/logFile: .* ENOTDIR/);
});

const toMake = batch.line(['run', flowFile(folder('to-make'), 'f.json', { logFile: 'logs/today/flow.log' }), '--check']);
test('run --check with a logFile in a folder still to be made is valid', async () => {
  const r = await toMake();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'flow f is valid\n');
});

const references = folder('references');
writeFileSync(join(references, 'noexport.mjs'), 'export const x = 1;\n');
const referenceCases: [string, RegExp, () => Promise<Ran>][] = (
  [
    ['./nope.mjs', /ISO8583_ERR_FLOW_MODULE: \/inboundEndpoints\/pos\/sequence: module \S+nope\.mjs cannot be loaded/],
    ['./noexport.mjs', /ISO8583_ERR_FLOW_MODULE: \/inboundEndpoints\/pos\/sequence: module \S+noexport\.mjs exports no function/],
    ['not-registered', /ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND: \/inboundEndpoints\/pos\/sequence: sequence "not-registered" is not a registered name/],
  ] as [string, RegExp][]
).map(([sequence, expected], i) => [
  sequence,
  expected,
  batch.line(['run', flowFile(references, `f${i}.json`, { inboundEndpoints: { pos: { port: 0, sequence } } }), '--check']),
]);
const onErrorRun = batch.line(['run', flowFile(references, 'on-error.json', { inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator', onError: 'nope' } } }), '--check']);
test('run --check resolves sequence references: a missing module, a module without a function, an unregistered name', async () => {
  for (const [sequence, expected, result] of referenceCases) {
    const r = await result();
    assert.equal(r.code, 1, sequence);
    assert.equal(r.stdout, '', sequence);
    assert.match(r.stderr, expected);
  }
  const r = await onErrorRun();
  assert.match(r.stderr, /ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND: \/inboundEndpoints\/pos\/onError: sequence "nope"/);
});

for (const check of [true, false]) {
  const args = ['gateway', '--upstream', '127.0.0.1:1', '--listen', '0', '--http', '0', '--log-file', folder(`gateway-${String(check)}`), ...(check ? ['--check-config'] : [])];
  const refused = check ? batch.line(args) : (): Promise<Ran> => runCli(args);
  test(`gateway${check ? ' --check-config' : ''} with a --log-file that is a folder fails with ISO8583_ERR_GATEWAY_CONFIG naming --log-file`, async () => {
    const r = await refused();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: --log-file \S+ cannot be opened for writing: EISDIR/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
  });
}

// The HTTP token is read by `run --check` as by the start and by `gateway --check-config` (console/access.ts): a token
// file that cannot be read, or a token given twice, is the start's coded error; an HTTP port open to the network
// without a token gets the start's ISO8583_WARN_HTTP_OPEN as a warning line.
const tokens = folder('tokens');
const tokenFile = join(tokens, 'token');
writeFileSync(tokenFile, 'flow-check-token-1234567890\n');
const httpFlow = (host: string): string => flowFile(tokens, `http-${host}.json`, { http: { host, port: 0 } });
const tokenMissing = batch.line(['run', httpFlow('127.0.0.1'), '--check', '--http-token-file', join(tokens, 'missing')]);
const tokenTwice = batch.line(['run', httpFlow('127.0.0.1'), '--check', '--http-token', 'x-token-1234567890', '--http-token-file', tokenFile]);
const openNoToken = batch.line(['run', httpFlow('0.0.0.0'), '--check']);
const openWithToken = batch.line(['run', httpFlow('0.0.0.0'), '--check', '--http-token-file', tokenFile]);
test('run --check reads --http-token-file as the start does: a missing file is ISO8583_ERR_CLI_FILE naming the flag', async () => {
  const r = await tokenMissing();
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '', 'not valid');
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_FILE: --http-token-file: no file at the path given \(not shown: it may be the secret itself; give the file's path\): ENOENT \(no such file or directory\)\n$/);
});
test('run --check refuses --http-token with --http-token-file, as the start does', async () => {
  const r = await tokenTwice();
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_OPTION: --http-token and --http-token-file say the same thing: give one\n$/);
});
test('run --check warns of an HTTP port open to the network without a token (ISO8583_WARN_HTTP_OPEN), and not with one', async () => {
  const open = await openNoToken();
  assert.equal(open.code, 0, open.stderr);
  assert.match(open.stdout, /^warning: ISO8583_WARN_HTTP_OPEN: the HTTP port .* asks for no token: give --http-token-file, or "host": "127\.0\.0\.1" in the flow file's http section\nflow http-0\.0\.0\.0 is valid\n$/);
  const closed = await openWithToken();
  assert.equal(closed.code, 0, closed.stderr);
  assert.equal(closed.stdout, 'flow http-0.0.0.0 is valid\n');
});

// A flow connector's reconnect backoff (what the gateway's --reconnect-delay and --reconnect-max-delay set) is a key of
// the flow file, checked by the connector's schema naming its path.
const reconnect = folder('reconnect');
const withBank = (backoff: unknown): Record<string, unknown> => ({ connectors: { bank: { host: '127.0.0.1', port: 9, reconnect: backoff } } });
const reconnectOk = batch.line(['run', flowFile(reconnect, 'ok.json', withBank({ initialDelay: 250, maxDelay: 5000 })), '--check']);
const reconnectBad = batch.line(['run', flowFile(reconnect, 'bad.json', withBank({ initialDelay: 250, maxDelay: -1, every: 5 })), '--check']);
const reconnectZero = batch.line(['run', flowFile(reconnect, 'zero.json', withBank({ initialDelay: 0 })), '--check']);
const reconnectBackwards = batch.line(['run', flowFile(reconnect, 'backwards.json', withBank({ initialDelay: 5000, maxDelay: 250 })), '--check']);
test('run --check takes a connector\'s reconnect backoff, and refuses a bad one naming each key', async () => {
  const ok = await reconnectOk();
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'flow ok is valid\n');
  const bad = await reconnectBad();
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /\/connectors\/bank\/reconnect\/maxDelay/);
  assert.match(bad.stderr, /\/connectors\/bank\/reconnect\/every/);
});

test('run --check refuses a reconnect initialDelay of 0 (a refusing bank retried in a tight loop), naming it', async () => {
  const zero = await reconnectZero();
  assert.equal(zero.code, 1);
  assert.equal(zero.stdout, '');
  assert.match(zero.stderr, /ISO8583_ERR_FLOW_INVALID/);
  assert.match(zero.stderr, /\/connectors\/bank\/reconnect\/initialDelay: must be >= 1/);
});

test('run --check refuses a reconnect initialDelay above maxDelay (the first wait set for nothing), naming both', async () => {
  const backwards = await reconnectBackwards();
  assert.equal(backwards.code, 1);
  assert.equal(backwards.stdout, '');
  assert.match(backwards.stderr, /ISO8583_ERR_FLOW_INVALID/);
  assert.match(backwards.stderr, /\/connectors\/bank\/reconnect\/initialDelay: must not be more than reconnect\.maxDelay/);
});
