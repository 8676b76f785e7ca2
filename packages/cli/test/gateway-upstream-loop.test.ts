// An upstream that is the gateway's own POS listener (`--upstream 127.0.0.1:P --listen P`) was accepted by
// --check-config and by the start: every request the gateway forwarded came back to it as a new POS request, forwarded
// again, until the in-flight limit; no bank saw one. The real binary now refuses it (check and start alike), naming
// the flag, or the config file and its key; the same port on another address, or --listen 0, is still accepted.
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort, within } from '@iso8583/test-support';
import { BIN, runCli } from './cli-process.js';

const LOOP = "is the gateway's own POS listener";

test('gateway: an upstream equal to its own POS listener is refused, naming the flag or the config file key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-upstream-loop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const journal = ['--reversal-journal', join(dir, 'journal')];
  const write = (name: string, content: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(content));
    return file;
  };
  const refused = async (args: string[], start: string): Promise<void> => {
    const r = await runCli(['gateway', ...args, ...journal, '--check-config']);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.startsWith(`iso8583: ISO8583_ERR_GATEWAY_CONFIG: ${start}`), r.stderr);
    assert.ok(r.stderr.includes(LOOP), r.stderr);
  };
  await refused(['--upstream', '127.0.0.1:9583', '--listen', '9583'], '--upstream 127.0.0.1:9583 ');
  await refused(['--upstream', 'localhost:9583', '--listen', '9583', '--bind', '0.0.0.0'], '--upstream localhost:9583 ');
  await refused(['--upstream', '[::1]:9583', '--listen', '9583', '--bind', '::1'], '--upstream [::1]:9583 ');
  await refused(['--upstream', 'a=10.1.1.1:9583', '--upstream', 'b=127.0.0.1:9583', '--listen', '9583'], '--upstream b=127.0.0.1:9583 ');
  await refused(['--upstream-host', '127.0.0.1', '--upstream-port', '9583', '--listen', '9583'], '--upstream-host ');
  const file = write('loop.json', { upstream: '127.0.0.1:9583', listen: 9583 });
  await refused(['--config', file], `config file ${file}: /upstream: 127.0.0.1:9583 `);
  const named = write('named.json', { upstreams: [{ name: 'bankA', upstream: '10.1.1.1:9583' }, { name: 'bankB', upstream: '127.0.0.1:9583' }], listen: 9583 });
  await refused(['--config', named], `config file ${named}: /upstreams/1/upstream: bankB=127.0.0.1:9583 `);
  const halves = write('halves.json', { upstreamHost: '127.0.0.1', upstreamPort: 9583, listenPort: 9583 });
  await refused(['--config', halves], `config file ${halves}: /upstreamHost: 127.0.0.1:9583 `);
  // The file's upstream with the flag's --listen: the file's key is named.
  await refused(['--config', write('upstream.json', { upstream: '127.0.0.1:9583' }), '--listen', '9583'], 'config file ');

  // Not loops: another host on the same port, another port, any free port, a loopback upstream beside a listener
  // bound to another address only.
  for (const args of [
    ['--upstream', '10.1.1.1:9583', '--listen', '9583'],
    ['--upstream', '127.0.0.1:9584', '--listen', '9583'],
    ['--upstream', '127.0.0.1:9583', '--listen', '0'],
    ['--upstream', '127.0.0.2:9583', '--listen', '9583'],
  ]) {
    const ok = await runCli(['gateway', ...args, ...journal, '--check-config']);
    assert.equal(ok.code, 0, `${args.join(' ')}: ${ok.stderr}`);
    assert.match(ok.stdout, /gateway config is valid: /);
  }
});

test('gateway: the start refuses an upstream equal to its own POS listener before it opens a port', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-upstream-loop-start-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const reserved = await reservePort();
  t.after(() => reserved.release());
  const port = String(reserved.port);
  const child = spawn(process.execPath, [BIN, 'gateway', '--upstream', `127.0.0.1:${port}`, '--listen', port, '--no-http', '--reversal-journal', join(dir, 'journal')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const code = await within(
    new Promise<number | null>((resolve) => child.on('close', resolve)),
    20_000,
    'the gateway to refuse its start (before the fix it ran, forwarding to itself)',
  );
  assert.equal(code, 1, stdout);
  assert.doesNotMatch(stdout, /gateway listening/);
  assert.ok(stderr.startsWith(`iso8583: ISO8583_ERR_GATEWAY_CONFIG: --upstream 127.0.0.1:${port} ${LOOP}`), stderr);
});
