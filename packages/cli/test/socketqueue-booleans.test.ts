// SocketQueue's boolean parameters as its cfgParams reads them: alone, `=true`, `=false`; `vv` is --log-messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';

const BANK = ['--upstreamHost=10.0.0.1', '--upstreamPort=5000'];

function configFile(t: { after(fn: () => void): void }, data: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'sq-booleans-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(data));
  return file;
}

test('SocketQueue booleans – --noAutoReversal=true and =false, --queueLockTerminal=true, read as SocketQueue reads them', () => {
  assert.equal(parseGatewayArgs([...BANK, '--noAutoReversal=true']).config.noReversal, true);
  const off = parseGatewayArgs([...BANK, '--noAutoReversal=false', '--queueLockTerminal=true']).config;
  assert.equal(off.noReversal, false);
  assert.equal(off.terminalQueue, true);
  // A SocketQueue name written false is still one of its names: SocketQueue's defaults apply.
  const alone = parseGatewayArgs(['--upstream', 'h:1', '--noAutoReversal=false']).config;
  assert.equal(alone.socketqueue, true);
  assert.equal(alone.dialect, 'smartvista');
});

test('SocketQueue booleans – any other value, or the flag twice, is refused naming the flag', () => {
  for (const value of ['yes', '1', '', 'TRUE']) {
    assert.throws(() => parseGatewayArgs([...BANK, `--noAutoReversal=${value}`]), {
      code: 'ISO8583_ERR_CLI_OPTION',
      message: /^--noAutoReversal must be true or false/,
    });
  }
  assert.throws(() => parseGatewayArgs([...BANK, '--noAutoReversal=false', '--noAutoReversal']), { code: 'ISO8583_ERR_CLI_OPTION', message: /--noAutoReversal is given twice/ });
  assert.throws(() => parseGatewayArgs([...BANK, '--noAutoReversal=false', '--no-reversal']), { code: 'ISO8583_ERR_CLI_OPTION', message: /same flag/ });
  // Our own booleans keep taking no value.
  assert.throws(() => parseGatewayArgs([...BANK, '--no-reversal=true']), { code: 'ISO8583_ERR_CLI_USAGE', message: /takes no value/ });
});

test('SocketQueue --vv is --log-messages, on the command line and as the README config file\'s "vv": true', (t) => {
  assert.equal(parseGatewayArgs([...BANK, '--vv']).config.logMessages, true);
  assert.equal(parseGatewayArgs([...BANK, '--vv=false']).config.logMessages, false);
  // SocketQueue's README config.json, as it is.
  const readme = configFile(t, { upstreamHost: '10.0.0.1', upstreamPort: 5000, listenPort: 2014, vv: true, logFile: 'log.txt' });
  const { config } = parseGatewayArgs(['-c', readme]);
  assert.equal(config.logMessages, true);
  assert.equal(config.listen, 2014);
  assert.equal(config.socketqueue, true);
  assert.equal(parseGatewayArgs(['-c', configFile(t, { upstream: 'h:1', noAutoReversal: false })]).config.noReversal, false);
});

test('SocketQueue --v (log level warn) is refused with --log-level warn', () => {
  assert.throws(() => parseGatewayArgs([...BANK, '--v']), { code: 'ISO8583_ERR_CLI_USAGE', message: /--v, SocketQueue's: use --log-level warn$/ });
});
