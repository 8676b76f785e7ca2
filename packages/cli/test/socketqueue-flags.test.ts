// SocketQueue's flag and config names are aliases of the gateway's: the same rows of the one flag table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs, gatewayHelp } from '../src/gateway/config.js';

test('SocketQueue flags – --upstreamHost/--upstreamPort, --listenPort, --listenHttpPort, --statServerPort, --logFile', () => {
  const { config } = parseGatewayArgs([
    '--upstreamHost=10.0.0.1', '--upstreamPort=5000', '--listenPort=2014', '--listenHttpPort=8080',
    '--statServerPort=4000', '--logFile=log.txt',
  ]);
  assert.equal(config.upstream, '10.0.0.1:5000');
  assert.equal(config.listen, 2014);
  assert.equal(config.http, 8080);
  assert.equal(config.statsPort, 4000);
  assert.equal(config.logFile, 'log.txt');
  assert.equal(config.upstreamHost, undefined);
});

test('SocketQueue config – -c, --c= and --config read SocketQueue\'s keys; flags still win', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sq-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ upstreamHost: '10.0.0.1', upstreamPort: 5000, listenPort: 2014, listenHttpPort: 8080, statServerPort: 4000, logFile: 'log.txt' }));
  for (const argv of [['-c', file], [`--c=${file}`], ['--config', file]]) {
    const { config } = parseGatewayArgs(argv);
    assert.equal(config.upstream, '10.0.0.1:5000');
    assert.equal(config.listen, 2014);
    assert.equal(config.statsPort, 4000);
  }
  assert.equal(parseGatewayArgs(['-c', file, '--listen', '9000']).config.listen, 9000);
});

test('SocketQueue flags – one flag under two names, or half an upstream, is refused naming the flags', (t) => {
  assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', '--listen', '1', '--listenPort', '2']), {
    code: 'ISO8583_ERR_CLI_OPTION',
    message: /--listen and --listenPort/,
  });
  assert.throws(() => parseGatewayArgs(['--upstreamHost', 'h']), { code: 'ISO8583_ERR_CLI_USAGE', message: /--upstream-port/ });
  assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', '--upstreamHost', 'h', '--upstreamPort', '2']), {
    code: 'ISO8583_ERR_CLI_OPTION',
  });
  assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', '--statServerPort', '70000']), { code: 'ISO8583_ERR_CLI_OPTION', message: /^--statServerPort / });
  const dir = mkdtempSync(join(tmpdir(), 'sq-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const both = join(dir, 'both.json');
  writeFileSync(both, JSON.stringify({ upstream: 'h:1', listen: 1, listenPort: 2 }));
  assert.throws(() => parseGatewayArgs(['-c', both]), { code: 'ISO8583_ERR_GATEWAY_CONFIG', message: /listenPort/ });
});

test('SocketQueue flags – the help shows each alias beside its flag', () => {
  const help = gatewayHelp();
  assert.match(help, /--listen, --listenPort PORT/);
  assert.match(help, /--stats-port, --statServerPort PORT/);
  assert.match(help, /-c, --config, --c FILE\.json/);
});
