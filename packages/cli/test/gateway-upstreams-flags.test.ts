// The gateway's several upstreams: --upstream [NAME=]HOST:PORT repeated, --upstream-strategy, --route PREFIX=NAME,
// and the config file's `upstreams` and `routes`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs, gatewayHelp } from '../src/gateway/config.js';

test('one plain --upstream is today\'s lone upstream', () => {
  const { config } = parseGatewayArgs(['--upstream', '10.0.0.1:5000']);
  assert.equal(config.upstream, '10.0.0.1:5000');
  assert.equal(config.upstreams, undefined);
  assert.equal(config.upstreamStrategy, 'failover');
});

test('--upstream repeated names the upstreams (a name defaults to HOST:PORT); --route and --upstream-strategy', () => {
  const { config } = parseGatewayArgs([
    '--upstream', 'visa=10.0.0.1:5000', '--upstream', '10.0.0.2:6000',
    '--route', '4=visa', '--route', '5=10.0.0.2:6000', '--upstream-strategy', 'round-robin',
  ]);
  assert.deepEqual(config.upstreams, [
    { name: 'visa', upstream: '10.0.0.1:5000' },
    { name: '10.0.0.2:6000', upstream: '10.0.0.2:6000' },
  ]);
  assert.equal(config.upstream, '10.0.0.1:5000');
  assert.deepEqual(config.routes, [{ pan: '4', upstream: 'visa' }, { pan: '5', upstream: '10.0.0.2:6000' }]);
  assert.equal(config.upstreamStrategy, 'round-robin');
  assert.match(gatewayHelp(), /--route PREFIX=NAME/);
  assert.match(gatewayHelp(), /--upstream-strategy/);
});

test('bad --upstream, --route, strategy, or a route to an unknown upstream are refused naming the flag', () => {
  assert.throws(() => parseGatewayArgs(['--upstream', 'a=nohostport']), { code: 'ISO8583_ERR_CLI_OPTION', message: /--upstream/ });
  assert.throws(() => parseGatewayArgs(['--upstream', 'a=h:1', '--route', '4x=a']), { code: 'ISO8583_ERR_CLI_OPTION', message: /--route/ });
  assert.throws(() => parseGatewayArgs(['--upstream', 'a=h:1', '--route', '4=b']), { code: 'ISO8583_ERR_GATEWAY_CONFIG', message: /"b"/ });
  assert.throws(() => parseGatewayArgs(['--upstream', 'a=h:1', '--upstream', 'a=h:2']), { code: 'ISO8583_ERR_GATEWAY_CONFIG', message: /twice/ });
  assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', '--upstream-strategy', 'random']), { code: 'ISO8583_ERR_CLI_OPTION' });
});

test('the config file\'s upstreams and routes; a plain --upstream flag wins over them', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'upstreams-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({
    upstreams: [{ name: 'primary', upstream: '10.0.0.1:5000', signOn: true }, { name: 'backup', upstream: '10.0.0.2:5000', frame: 'ascii4' }],
    routes: [{ mtiClass: '4', upstream: 'primary' }, { upstream: 'backup' }],
  }));
  const { config } = parseGatewayArgs(['--config', file]);
  assert.equal(config.upstream, '10.0.0.1:5000');
  assert.equal(config.upstreams?.[1]?.frame, 'ascii4');
  assert.equal(config.routes?.length, 2);
  const plain = parseGatewayArgs(['--config', file, '--upstream', '10.9.9.9:1']).config;
  assert.equal(plain.upstream, '10.9.9.9:1');
  assert.equal(plain.upstreams, undefined);
  writeFileSync(file, JSON.stringify({ upstreams: [{ name: 'x', upstream: '10.0.0.1:5000', color: 'red' }] }));
  assert.throws(() => parseGatewayArgs(['--config', file]), { code: 'ISO8583_ERR_GATEWAY_CONFIG' });
});

test('the name `upstream` is refused among several upstreams (the first would take its reversals), allowed alone', () => {
  for (const args of [['--upstream', 'bankA=h:1', '--upstream', 'upstream=h:2'], ['--upstream', 'upstream=h:1', '--upstream', 'bankB=h:2']]) {
    assert.throws(() => parseGatewayArgs(args), { code: 'ISO8583_ERR_GATEWAY_CONFIG', message: /"upstream" is reserved/ });
  }
  assert.deepEqual(parseGatewayArgs(['--upstream', 'upstream=h:1']).config.upstreams, [{ name: 'upstream', upstream: 'h:1' }]);
});
