// Any SocketQueue name as a config file key gives SocketQueue's defaults (docs/gateway.md, "Coming from SocketQueue"),
// `upstreamHost` and `upstreamPort` too. Before: those two, being our keys as well, did not count as SocketQueue names
// in a file (only as flags): a file with just them started with our defaults (binary2, HTTP on, no notice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { runCli } from './cli-process.js';

function configFile(t: { after(fn: () => void): void }, data: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'sq-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(data));
  return file;
}

test('SocketQueue config keys – upstreamHost and upstreamPort alone in a file give SocketQueue\'s defaults, as the flags do', (t) => {
  const file = configFile(t, { upstreamHost: '127.0.0.1', upstreamPort: 5000 });
  for (const argv of [['-c', file], ['--config', file], ['--upstreamHost=127.0.0.1', '--upstreamPort=5000']]) {
    const { config } = parseGatewayArgs(argv);
    assert.deepEqual(
      [config.socketqueue, config.dialect, config.frame, config.clientFrame, config.httpEnabled, config.upstream],
      [true, 'smartvista', 'ascii4', 'none', false, '127.0.0.1:5000'],
      argv.join(' '),
    );
  }
  // Our own key in a file is not a SocketQueue name; "socketqueue": false says no.
  assert.equal(parseGatewayArgs(['--config', configFile(t, { upstream: '127.0.0.1:5000' })]).config.socketqueue, false);
  const off = configFile(t, { upstreamHost: '127.0.0.1', upstreamPort: 5000, socketqueue: false });
  assert.equal(parseGatewayArgs(['--config', off]).config.frame, 'binary2');
});

test('SocketQueue config keys – --check-config of a file with upstreamHost/upstreamPort: HTTP off, as SocketQueue', async (t) => {
  const file = configFile(t, { upstreamHost: '127.0.0.1', upstreamPort: 5000 });
  const r = await runCli(['gateway', '-c', file, '--reversal-journal', join(file, '..', 'journal'), '--check-config']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /gateway config is valid: upstream=127\.0\.0\.1:5000 pos=127\.0\.0\.1:8583 http=off/);
});
