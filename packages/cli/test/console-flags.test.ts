// The console's flags: rows of the common flag table, config file keys of the gateway, `iso8583 run` flags; the token
// read from a flag or a file, refused when empty or given twice, never shown in an error; constant-time comparison.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_ROWS } from '../src/flag-table.js';
import { gatewayHelp, parseGatewayArgs } from '../src/gateway/config.js';
import { RUN_HELP } from '../src/commands/run.js';
import { readHttpToken, sameToken } from '../src/console/access.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-console-flags-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

test('console flags – defaults: console on, sending off, no token; each flag in the gateway\'s and run\'s help', () => {
  const { config } = parseGatewayArgs(['--upstream', '127.0.0.1:5000']);
  assert.equal(config.noConsole, false);
  assert.equal(config.consoleSend, false);
  assert.equal(config.httpToken, undefined);
  for (const row of CONSOLE_ROWS) {
    assert.match(gatewayHelp(), new RegExp(`--${row.flag}\\b`), `gateway --help shows --${row.flag}`);
    assert.match(RUN_HELP, new RegExp(`--${row.flag}\\b`), `run --help shows --${row.flag}`);
  }
});

test('console flags – the gateway takes them as flags and as config file keys (flags win)', () => {
  const file = join(work, 'gateway.json');
  writeFileSync(file, JSON.stringify({ upstream: '127.0.0.1:5000', consoleSend: true, httpTokenFile: '/etc/iso8583/token', noConsole: true }));
  const fromFile = parseGatewayArgs(['--config', file]).config;
  assert.deepEqual([fromFile.consoleSend, fromFile.httpTokenFile, fromFile.noConsole], [true, '/etc/iso8583/token', true]);
  const fromFlags = parseGatewayArgs(['--config', file, '--http-token-file', '/run/token', '--console-send']).config;
  assert.equal(fromFlags.httpTokenFile, '/run/token');
  assert.throws(() => parseGatewayArgs(['--upstream', '127.0.0.1:5000', '--http-token', '']), { code: 'ISO8583_ERR_CLI_OPTION' });
});

test('readHttpToken – from the flag, or the first line of the file; none by default', () => {
  assert.equal(readHttpToken(undefined, undefined), undefined);
  assert.equal(readHttpToken('abc', undefined), 'abc');
  const file = join(work, 'token');
  writeFileSync(file, '  s3cret-from-file \nsecond line ignored\n');
  assert.equal(readHttpToken(undefined, file), 's3cret-from-file');
});

test('readHttpToken – both at once, an empty token or file, an unreadable file: coded errors naming the flag, never the token', () => {
  const empty = join(work, 'empty');
  writeFileSync(empty, '\n');
  const cases: [string | undefined, string | undefined, string, string][] = [
    ['tok-visible-1', join(work, 'token'), 'ISO8583_ERR_CLI_OPTION', '--http-token-file'],
    ['   ', undefined, 'ISO8583_ERR_CLI_OPTION', '--http-token'],
    [undefined, empty, 'ISO8583_ERR_CLI_OPTION', '--http-token-file'],
    [undefined, join(work, 'missing'), 'ISO8583_ERR_CLI_FILE', '--http-token-file'],
  ];
  for (const [token, file, code, field] of cases) {
    assert.throws(() => readHttpToken(token, file), (err: Error & { code?: string; field?: string }) => {
      assert.equal(err.code, code);
      assert.equal(err.field, field);
      assert.doesNotMatch(err.message, /tok-visible-1/);
      return true;
    });
  }
});

test('sameToken – equal only for the same text, whatever the lengths', () => {
  assert.equal(sameToken('s3cret', 's3cret'), true);
  assert.equal(sameToken('s3cret', 's3creT'), false);
  assert.equal(sameToken('s3cret', 's3cret-longer'), false);
  assert.equal(sameToken('', 's3cret'), false);
});
