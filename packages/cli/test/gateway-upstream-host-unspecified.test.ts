// SocketQueue's halves of the bank's address (`--upstream-host`, `upstreamHost`) on the unspecified address (0.0.0.0,
// ::) were accepted, as `--upstream 0.0.0.0:P` was: the link went to the loopback address on Linux, nowhere elsewhere.
// The real binary refuses them, naming the flag or the config file key. One real binary run, the other command lines in
// one batch process (each start of the binary costs a core over half a second).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMainBatch } from '@iso8583/test-support';
import { runCli } from './cli-process.js';

const WORDS = 'a host, not the unspecified address 0.0.0.0 or ::, which names no bank';

test('gateway: --upstream-host on the unspecified address is refused, naming the flag or the config file key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-upstream-host-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const journal = ['--reversal-journal', join(dir, 'journal')];
  const line = (args: string[]): string[] => ['gateway', ...args, ...journal, '--check-config'];
  const refused = ['0.0.0.0', '0', '::', '0:0::0', '::ffff:0.0.0.0'];
  const accepted = ['127.0.0.1', '::1', '10.0.0.0', 'bank.example'];
  const file = join(dir, 'halves.json');
  writeFileSync(file, JSON.stringify({ upstreamHost: '0.0.0.0', upstreamPort: 9000 }));
  const halves = (host: string): string[] => line(['--upstream-host', host, '--upstream-port', '9000']);
  // The first refusal through the real binary (its exit code and whole stderr); every line, that one again too, in one
  // process (`main` for each: test-support's runMainBatch), checked by the same rules.
  const [real, batch] = await Promise.all([
    runCli(halves(refused[0] as string)),
    runMainBatch([...refused.map((host) => ({ args: halves(host) })), { args: line(['--config', file]) }, ...accepted.map((host) => ({ args: halves(host) }))]),
  ]);
  const results = [real, ...batch];
  const next = (): { code: number | null; stdout: string; stderr: string } => results.shift() as (typeof results)[number];
  for (const host of [refused[0] as string, ...refused]) {
    const r = next();
    assert.equal(r.code, 1, `${host}: ${r.stdout}`);
    assert.equal(r.stderr, `iso8583: ISO8583_ERR_CLI_OPTION: --upstream-host must be ${WORDS}\n`, host);
  }
  const f = next();
  assert.equal(f.code, 1, f.stdout);
  assert.equal(f.stderr, `iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${file} is invalid:\n  /upstreamHost: must be ${WORDS}\n`);
  for (const host of accepted) {
    const ok = next();
    assert.equal(ok.code, 0, `${host}: ${ok.stderr}`);
  }
  assert.equal(results.length, 0, 'every line checked');
});
