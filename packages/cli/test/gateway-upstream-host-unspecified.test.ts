// SocketQueue's halves of the bank's address (`--upstream-host`, `upstreamHost`) on the unspecified address (0.0.0.0,
// ::) were accepted, as `--upstream 0.0.0.0:P` was: the link went to the loopback address on Linux, nowhere elsewhere.
// The real binary refuses them, naming the flag or the config file key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

const WORDS = 'a host, not the unspecified address 0.0.0.0 or ::, which names no bank';

test('gateway: --upstream-host on the unspecified address is refused, naming the flag or the config file key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-upstream-host-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const journal = ['--reversal-journal', join(dir, 'journal')];
  for (const host of ['0.0.0.0', '0', '::', '0:0::0', '::ffff:0.0.0.0']) {
    const r = await runCli(['gateway', '--upstream-host', host, '--upstream-port', '9000', ...journal, '--check-config']);
    assert.equal(r.code, 1, `${host}: ${r.stdout}`);
    assert.equal(r.stderr, `iso8583: ISO8583_ERR_CLI_OPTION: --upstream-host must be ${WORDS}\n`, host);
  }
  const file = join(dir, 'halves.json');
  writeFileSync(file, JSON.stringify({ upstreamHost: '0.0.0.0', upstreamPort: 9000 }));
  const f = await runCli(['gateway', '--config', file, ...journal, '--check-config']);
  assert.equal(f.code, 1, f.stdout);
  assert.equal(f.stderr, `iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${file} is invalid:\n  /upstreamHost: must be ${WORDS}\n`);
  for (const host of ['127.0.0.1', '::1', '10.0.0.0', 'bank.example']) {
    const ok = await runCli(['gateway', '--upstream-host', host, '--upstream-port', '9000', ...journal, '--check-config']);
    assert.equal(ok.code, 0, `${host}: ${ok.stderr}`);
  }
});
