// An upstream on the unspecified address (`--upstream 0.0.0.0:9000`, `[::]:9000`, or a short form the resolver reads
// so: `0:9000`) was accepted by --check-config and the start: a connection to it goes to the loopback address on Linux
// (a local process, not the bank) and fails elsewhere. The real binary now refuses it, naming the flag, or the config
// file and its key (`/upstream`, `/upstreams/N/upstream`); an address that only starts with zeros is still an address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

const WORDS = 'HOST:PORT (a port from 1 to 65535; a host, not the unspecified address 0.0.0.0 or ::, which names no bank)';

test('gateway: an upstream on the unspecified address is refused, naming the flag or the config file key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-upstream-unspecified-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const journal = ['--reversal-journal', join(dir, 'journal')];
  const write = (name: string, content: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(content));
    return file;
  };
  const check = (args: string[]): ReturnType<typeof runCli> => runCli(['gateway', ...args, ...journal, '--check-config']);
  for (const address of ['0.0.0.0:9000', '0:9000', '0.0:9000', '[::]:9000', '[0:0:0:0:0:0:0:0]:9000', '[::ffff:0.0.0.0]:9000']) {
    const r = await check(['--upstream', address]);
    assert.equal(r.code, 1, `${address}: ${r.stdout}`);
    assert.equal(r.stderr, `iso8583: ISO8583_ERR_CLI_OPTION: --upstream must be ${WORDS}\n`, address);
  }
  const named = await check(['--upstream', 'bankA=10.1.1.1:9000', '--upstream', 'bankB=[::]:9000']);
  assert.equal(named.code, 1, named.stdout);
  assert.equal(named.stderr, `iso8583: ISO8583_ERR_CLI_OPTION: --upstream must be [NAME=]${WORDS}\n`);
  const lone = write('lone.json', { upstream: '0.0.0.0:9000' });
  const l = await check(['--config', lone]);
  assert.equal(l.code, 1, l.stdout);
  assert.equal(l.stderr, `iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${lone} is invalid:\n  /upstream: must be ${WORDS}\n`);
  const list = write('list.json', { upstreams: [{ name: 'bankA', upstream: '10.1.1.1:9000' }, { name: 'bankB', upstream: '[::]:9000' }] });
  const n = await check(['--config', list]);
  assert.equal(n.code, 1, n.stdout);
  assert.equal(n.stderr, `iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${list} is invalid:\n  /upstreams/1/upstream: must be ${WORDS}\n`);

  // Addresses that start with zeros, or hold a zero group, are addresses.
  for (const address of ['0.0.0.1:9000', '[::1]:9000', '[::ffff:127.0.0.1]:9000', '10.0.0.0:9000', '0a.example:9000']) {
    const ok = await check(['--upstream', address]);
    assert.equal(ok.code, 0, `${address}: ${ok.stderr}`);
  }
});
