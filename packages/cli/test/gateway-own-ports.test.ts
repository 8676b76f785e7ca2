// Two of the gateway's own listeners on one port of one address (`--listen 9583 --http 9583`, `--metrics` on the
// `--http` port, `--stats-port` on the POS one): --check-config said the configuration was valid, and the start then
// failed with EADDRINUSE on the second listener. The real binary now refuses it at the check (and the start), naming
// the later listener's flag, or the config file and its key; other addresses, a disabled HTTP port and port 0 pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

test("gateway --check-config refuses two of the gateway's listeners on one port, naming the flag or the file key", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-own-ports-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const base = ['gateway', '--upstream', '10.1.1.1:5000', '--reversal-journal', join(dir, 'journal'), '--check-config'];
  const refused = async (args: string[], start: string): Promise<void> => {
    const r = await runCli([...base, ...args]);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.startsWith(`iso8583: ISO8583_ERR_GATEWAY_CONFIG: ${start}`), r.stderr);
    assert.match(r.stderr, /each listener needs its own port\n$/);
  };
  await refused(['--listen', '9583', '--http', '9583'], "--http 9583 is --listen's port too (on 127.0.0.1)");
  await refused(['--listen', '9583', '--http', '9584', '--metrics', '9584'], "--metrics 9584 is --http's port too (on 127.0.0.1)");
  await refused(['--listen', '9583', '--stats-port', '9583'], "--stats-port 9583 is --listen's port too (on 127.0.0.1)");
  await refused(['--listen', '9583', '--bind', '0.0.0.0', '--http', '9583', '--http-bind', '127.0.0.1'], "--http 9583 is --listen's port too (on 0.0.0.0)");
  // One reading of addresses (listen-address.ts): localhost is 127.0.0.1 too, :: is every address.
  await refused(['--bind', 'localhost', '--listen', '9583', '--http', '9583', '--http-bind', '127.0.0.1'], "--http 9583 is --listen's port too (on localhost)");
  await refused(['--listen', '9583', '--bind', '::', '--http', '9583', '--http-bind', '127.0.0.1'], "--http 9583 is --listen's port too (on ::)");
  await refused(['--listen', '9583', '--bind', '0.0.0.0', '--http', '9583', '--http-bind', '::'], "--http 9583 is --listen's port too (on 0.0.0.0)");
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify({ upstream: '10.1.1.1:5000', listen: 9583, http: 9583 }));
  await refused(['--config', file], `config file ${file}: /http: 9583 is --listen's port too`);

  for (const args of [
    ['--listen', '9583', '--http', '9583', '--http-bind', '127.0.0.2'],
    ['--listen', '9583', '--http', '9583', '--no-http'],
    // 0.0.0.0 holds every IPv4 address only: a listener on ::1 beside it starts.
    ['--listen', '9583', '--bind', '0.0.0.0', '--http', '9583', '--http-bind', '::1'],
    ['--listen', '0', '--http', '0', '--metrics', '0', '--stats-port', '0'],
    ['--listen', '9583', '--http', '9584', '--metrics', '9585', '--stats-port', '9586'],
  ]) {
    const ok = await runCli([...base, ...args]);
    assert.equal(ok.code, 0, `${args.join(' ')}: ${ok.stderr}`);
    assert.match(ok.stdout, /gateway config is valid: /);
  }
});
