// --match-key (SocketQueue's queueMessageKeyFields) refused at the start when it could hand a bank's answer to the
// wrong request: without 11, or with a field a bank may rewrite or not echo. Without 41 (a bank that does not echo it)
// it is accepted with reversals on: the connector gives a late approval its request's terminal (match-key.ts
// `withRequestTransaction`; connector test reversal-overtaken-no-terminal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';

const BANK = ['--upstream', 'h:1'];

test('--match-key – a key without 11, or naming a field a bank may rewrite (4, 37, 39) or card data, is refused naming the flag', () => {
  for (const key of ['0', '41', '37,11', '4,11', '11,39', '2,11', '999,11']) {
    assert.throws(() => parseGatewayArgs([...BANK, '--no-reversal', '--match-key', key]), (err: Error & { code?: string; field?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION', key);
      assert.equal(err.field, '--match-key', key);
      assert.match(err.message, /^--match-key (must include 11|names field)/, key);
      return true;
    });
  }
  assert.equal(parseGatewayArgs([...BANK, '--match-key', '11,41,42']).config.matchKey, '11,41,42');
  assert.equal(parseGatewayArgs([...BANK, '--match-key', '7,11,41']).config.matchKey, '7,11,41');
});

test('--match-key without 41 – accepted with reversals on, and with --no-reversal', () => {
  const on = parseGatewayArgs([...BANK, '--match-key', '11']).config;
  assert.equal(on.matchKey, '11');
  assert.notEqual(on.noReversal, true);
  assert.equal(parseGatewayArgs([...BANK, '--no-reversal', '--match-key', '11']).config.matchKey, '11');
  // SocketQueue's names.
  assert.equal(parseGatewayArgs(['--upstreamHost=h', '--upstreamPort=1', '--queueMessageKeyFields=11']).config.matchKey, '11');
  assert.equal(parseGatewayArgs(['--upstreamHost=h', '--upstreamPort=1', '--noAutoReversal', '--queueMessageKeyFields=11']).config.matchKey, '11');
});

test('--match-key from a config file – refused naming the file and its key as written', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'match-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ upstreamHost: 'h', upstreamPort: 1, queueMessageKeyFields: ['37'] }));
  assert.throws(() => parseGatewayArgs(['-c', file]), {
    code: 'ISO8583_ERR_GATEWAY_CONFIG', field: '/queueMessageKeyFields', message: /queueMessageKeyFields names field 37/,
  });
  writeFileSync(file, JSON.stringify({ upstreamHost: 'h', upstreamPort: 1, queueMessageKeyFields: ['11'] }));
  assert.equal(parseGatewayArgs(['-c', file]).config.matchKey, '11');
  writeFileSync(file, JSON.stringify({ upstream: 'h:1', matchKey: '41' }));
  assert.throws(() => parseGatewayArgs(['-c', file]), { code: 'ISO8583_ERR_GATEWAY_CONFIG', field: '/matchKey' });
});
