// `--header-hex` against a config file's `headerBytes`: the flag wins over the file, as every flag does, with a
// warning naming the file key (it was refused, though the file's value is one the flag makes unused). A `headerBytes`
// given by a flag, or by the same file that gives `headerHex`, must still agree with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';

/** A config file in a fresh folder, removed after the test. */
function configFile(t: { after: (fn: () => void) => void }, content: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-header-hex-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify({ upstream: '127.0.0.1:9', ...content }));
  return file;
}

test('--header-hex over the file\'s headerBytes of another length: the flag wins, with a warning naming /headerBytes', (t) => {
  const file = configFile(t, { headerBytes: 4 });
  const { config, warnings } = parseGatewayArgs(['--config', file, '--header-hex', '6000010000']);
  assert.equal(config.headerHex, '6000010000');
  assert.equal(config.headerBytes, 5);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0] ?? '', /^config file .*gateway\.json: \/headerBytes is 4, --header-hex is 5 bytes: the flag wins over the file; \/headerBytes is not used$/);
});

test('--header-hex with the file\'s headerBytes that agrees: no warning', (t) => {
  const file = configFile(t, { headerBytes: 5 });
  const { config, warnings } = parseGatewayArgs(['--config', file, '--header-hex', '6000010000']);
  assert.equal(config.headerBytes, 5);
  assert.deepEqual(warnings, []);
});

test('the file\'s headerHex against a --header-bytes flag, or against its own headerBytes: still refused', (t) => {
  const file = configFile(t, { headerHex: '6000010000' });
  assert.throws(() => parseGatewayArgs(['--config', file, '--header-bytes', '4']), { code: 'ISO8583_ERR_CLI_OPTION', field: '--header-bytes' });
  const both = configFile(t, { headerHex: '6000010000', headerBytes: 2 });
  assert.throws(() => parseGatewayArgs(['--config', both]), { code: 'ISO8583_ERR_GATEWAY_CONFIG', field: '/headerHex' });
});
