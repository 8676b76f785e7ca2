// An upstream on the unspecified address (`--upstream 0.0.0.0:9000`, `[::]:9000`, or a short form the resolver reads
// so: `0:9000`) was accepted by --check-config and the start: a connection to it goes to the loopback address on Linux
// (a local process, not the bank) and fails elsewhere. The real binary now refuses it, naming the flag, or the config
// file and its key (`/upstream`, `/upstreams/N/upstream`); an address that only starts with zeros is still an address.
// One real binary run, the other command lines in one batch process (each start of the binary costs a core over half a
// second: 15 of them were this file's 10 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMainBatch } from '@iso8583/test-support';
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
  const line = (args: string[]): string[] => ['gateway', ...args, ...journal, '--check-config'];
  const refusedFlags = ['0.0.0.0:9000', '0:9000', '0.0:9000', '[::]:9000', '[0:0:0:0:0:0:0:0]:9000', '[::ffff:0.0.0.0]:9000'];
  // Addresses that start with zeros, or hold a zero group, are addresses.
  const accepted = ['0.0.0.1:9000', '[::1]:9000', '[::ffff:127.0.0.1]:9000', '10.0.0.0:9000', '0a.example:9000'];
  const lone = write('lone.json', { upstream: '0.0.0.0:9000' });
  const list = write('list.json', { upstreams: [{ name: 'bankA', upstream: '10.1.1.1:9000' }, { name: 'bankB', upstream: '[::]:9000' }] });
  // The first refusal through the real binary (its exit code and whole stderr); every line, that one again too, in one
  // process (`main` for each: test-support's runMainBatch), checked by the same rules.
  const [real, batch] = await Promise.all([
    runCli(line(['--upstream', refusedFlags[0] as string])),
    runMainBatch([
      ...refusedFlags.map((address) => ({ args: line(['--upstream', address]) })),
      { args: line(['--upstream', 'bankA=10.1.1.1:9000', '--upstream', 'bankB=[::]:9000']) },
      { args: line(['--config', lone]) },
      { args: line(['--config', list]) },
      ...accepted.map((address) => ({ args: line(['--upstream', address]) })),
    ]),
  ]);
  const results = [real, ...batch];
  const next = (): { code: number | null; stdout: string; stderr: string } => results.shift() as (typeof results)[number];
  for (const address of [refusedFlags[0] as string, ...refusedFlags]) {
    const r = next();
    assert.equal(r.code, 1, `${address}: ${r.stdout}`);
    assert.equal(r.stderr, `iso8583: ISO8583_ERR_CLI_OPTION: --upstream must be ${WORDS}\n`, address);
  }
  const named = next();
  assert.equal(named.code, 1, named.stdout);
  assert.equal(named.stderr, `iso8583: ISO8583_ERR_CLI_OPTION: --upstream must be [NAME=]${WORDS}\n`);
  const l = next();
  assert.equal(l.code, 1, l.stdout);
  assert.equal(l.stderr, `iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${lone} is invalid:\n  /upstream: must be ${WORDS}\n`);
  const n = next();
  assert.equal(n.code, 1, n.stdout);
  assert.equal(n.stderr, `iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${list} is invalid:\n  /upstreams/1/upstream: must be ${WORDS}\n`);
  for (const address of accepted) {
    const ok = next();
    assert.equal(ok.code, 0, `${address}: ${ok.stderr}`);
  }
  assert.equal(results.length, 0, 'every line checked');
});
