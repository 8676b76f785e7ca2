// `upstreamHost`, `upstreamPort` and `logFile` are this gateway's own config file keys as well as SocketQueue's names:
// in a file they keep our defaults (docs/gateway.md, "Coming from SocketQueue"), so a config of ours (the shipped
// example writes `logFile`) never turns into SocketQueue's smartvista, ascii4 and HTTP off. As flags, the camelCase
// names are SocketQueue's only and give its defaults; a SocketQueue file with none of its other names says
// `"socketqueue": true`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';

function configFile(t: { after(fn: () => void): void }, data: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'sq-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(data));
  return file;
}

test('SocketQueue config keys – our own keys upstreamHost, upstreamPort and logFile in a file keep our defaults', (t) => {
  const ours = configFile(t, { upstreamHost: '127.0.0.1', upstreamPort: 5000, logFile: join(tmpdir(), 'gw.log') });
  const { config } = parseGatewayArgs(['--config', ours]);
  assert.deepEqual(
    [config.socketqueue, config.dialect, config.frame, config.httpEnabled, config.upstream],
    [false, 'iso87ascii', 'binary2', true, '127.0.0.1:5000'],
  );
  // The same names as flags are SocketQueue's: its defaults.
  const flags = parseGatewayArgs(['--upstreamHost=127.0.0.1', '--upstreamPort=5000']).config;
  assert.deepEqual([flags.socketqueue, flags.dialect, flags.frame, flags.httpEnabled], [true, 'smartvista', 'ascii4', false]);
  // A SocketQueue file with only those keys asks for its defaults by name; any other of its names gives them too.
  const asked = parseGatewayArgs(['--config', configFile(t, { upstreamHost: '127.0.0.1', upstreamPort: 5000, socketqueue: true })]).config;
  assert.deepEqual([asked.socketqueue, asked.dialect, asked.frame], [true, 'smartvista', 'ascii4']);
  const named = parseGatewayArgs(['--config', configFile(t, { upstreamHost: '127.0.0.1', upstreamPort: 5000, listenPort: 2014 })]).config;
  assert.deepEqual([named.socketqueue, named.dialect, named.listen], [true, 'smartvista', 2014]);
});
