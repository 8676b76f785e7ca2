// `iso8583 run FLOW.json [--check]` and `iso8583 gateway`: a bad log file or a sequence reference that does not resolve
// is a coded error before anything starts, and `--check` finds the same ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

function folder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-check-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function flowFile(dir: string, name: string, flow: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } }, ...flow }));
  return file;
}

for (const check of [true, false]) {
  test(`run${check ? ' --check' : ''} with a logFile that is a folder fails with ISO8583_ERR_FLOW_FILE naming /logFile and EISDIR, no stack`, async (t) => {
    const dir = folder(t);
    const file = flowFile(dir, 'dirlog.json', { logFile: '.' });
    const r = await runCli(['run', file, ...(check ? ['--check'] : [])]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '', 'nothing is valid, nothing started');
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_FLOW_FILE: flow file \S+: \/logFile: \S+ cannot be opened for writing: EISDIR \(illegal operation on a directory\)\n$/);
  });
}

test('run --check with a logFile under a regular file fails with ENOTDIR and makes nothing', async (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, 'plain'), '');
  const file = flowFile(dir, 'f.json', { logFile: 'plain/logs/flow.log' });
  const r = await runCli(['run', file, '--check']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ISO8583_ERR_FLOW_FILE: .*\/logFile: .* ENOTDIR/);
});

test('run --check with a logFile in a folder still to be made is valid', async (t) => {
  const dir = folder(t);
  const file = flowFile(dir, 'f.json', { logFile: 'logs/today/flow.log' });
  const r = await runCli(['run', file, '--check']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'flow f is valid\n');
});

test('run --check resolves sequence references: a missing module, a module without a function, an unregistered name', async (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, 'noexport.mjs'), 'export const x = 1;\n');
  const cases: [string, RegExp][] = [
    ['./nope.mjs', /ISO8583_ERR_FLOW_MODULE: \/inboundEndpoints\/pos\/sequence: module \S+nope\.mjs cannot be loaded/],
    ['./noexport.mjs', /ISO8583_ERR_FLOW_MODULE: \/inboundEndpoints\/pos\/sequence: module \S+noexport\.mjs exports no function/],
    ['not-registered', /ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND: \/inboundEndpoints\/pos\/sequence: sequence "not-registered" is not a registered name/],
  ];
  for (const [sequence, expected] of cases) {
    const file = flowFile(dir, 'f.json', { inboundEndpoints: { pos: { port: 0, sequence } } });
    const r = await runCli(['run', file, '--check']);
    assert.equal(r.code, 1, sequence);
    assert.equal(r.stdout, '', sequence);
    assert.match(r.stderr, expected);
  }
  const onError = flowFile(dir, 'f.json', { inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator', onError: 'nope' } } });
  const r = await runCli(['run', onError, '--check']);
  assert.match(r.stderr, /ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND: \/inboundEndpoints\/pos\/onError: sequence "nope"/);
});

for (const check of [true, false]) {
  test(`gateway${check ? ' --check-config' : ''} with a --log-file that is a folder fails with ISO8583_ERR_GATEWAY_CONFIG naming --log-file`, async (t) => {
    const dir = folder(t);
    const r = await runCli(['gateway', '--upstream', '127.0.0.1:1', '--listen', '0', '--http', '0', '--log-file', dir,
      ...(check ? ['--check-config'] : [])]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: --log-file \S+ cannot be opened for writing: EISDIR/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
  });
}
