// --match-key (SocketQueue's queueMessageKeyFields) refused at the start when it could hand a bank's answer to the
// wrong request: without 11, with a field a bank may rewrite or not echo, or without 41 while reversals are on (a
// reversal that overtakes its original is recognised by fields 11 and 41 of the bank's late approval).
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

test('--match-key without 41 – refused while reversals are on, accepted with --no-reversal', () => {
  assert.throws(() => parseGatewayArgs([...BANK, '--match-key', '11']), {
    code: 'ISO8583_ERR_CLI_OPTION', field: '--match-key', message: /^--match-key without 41 needs --no-reversal/,
  });
  assert.equal(parseGatewayArgs([...BANK, '--no-reversal', '--match-key', '11']).config.matchKey, '11');
  // SocketQueue's names: the flag named as given.
  assert.throws(() => parseGatewayArgs(['--upstreamHost=h', '--upstreamPort=1', '--queueMessageKeyFields=11']), {
    code: 'ISO8583_ERR_CLI_OPTION', field: '--queueMessageKeyFields',
  });
  assert.equal(parseGatewayArgs(['--upstreamHost=h', '--upstreamPort=1', '--noAutoReversal', '--queueMessageKeyFields=11']).config.matchKey, '11');
});

test('--match-key from a config file – refused naming the file and its key as written', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'match-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ upstreamHost: 'h', upstreamPort: 1, queueMessageKeyFields: ['11'] }));
  assert.throws(() => parseGatewayArgs(['-c', file]), {
    code: 'ISO8583_ERR_GATEWAY_CONFIG', field: '/queueMessageKeyFields', message: /queueMessageKeyFields without 41 needs --no-reversal/,
  });
  writeFileSync(file, JSON.stringify({ upstream: 'h:1', matchKey: '41' }));
  assert.throws(() => parseGatewayArgs(['-c', file]), { code: 'ISO8583_ERR_GATEWAY_CONFIG', field: '/matchKey' });
});
