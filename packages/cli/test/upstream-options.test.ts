// Each upstream's connector options: its own dialect decides its reversal MTI, a lone upstream of the config file keeps
// its own settings, and whether its link uses TLS (its own `tls`, else its own TLS files or server name, else the
// gateway's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { parseGatewayArgs } from '../src/gateway/config.js';
import type { GatewayConfig } from '../src/gateway/config.js';
import { upstreamOptions } from '../src/gateway/upstream-options.js';
import { upstreamUsesTls } from '../src/gateway/tls.js';

const silent = pino({ level: 'silent' });
const gateway = (args: string[] = []): GatewayConfig => parseGatewayArgs(['--upstream', '10.0.0.1:5000', ...args]).config;

test('the reversal MTI follows the upstream\'s own dialect, not the gateway\'s', () => {
  const iso93 = upstreamOptions(gateway(), silent, undefined, { name: 'iso93', upstream: '10.0.0.2:1', dialect: 'iso93ascii' });
  assert.equal(typeof iso93.dialect === 'object' ? iso93.dialect.name : iso93.dialect, 'iso93ascii');
  assert.equal(iso93.reversal?.mti, '0420');
  const iso87 = upstreamOptions(gateway(['--dialect', 'iso93ascii']), silent, undefined, { name: 'iso87', upstream: '10.0.0.2:1', dialect: 'iso87ascii' });
  assert.equal(iso87.reversal?.mti, '0400');
  assert.equal(upstreamOptions(gateway(['--dialect', 'iso93ascii']), silent, undefined).reversal?.mti, '0420');
});

test('a lone upstream of the config file keeps its own settings, with the gateway\'s name and journal folder', () => {
  const config = { ...gateway(['--reversal-journal', '/tmp/j']), upstreams: [{ name: 'only', upstream: '10.0.0.1:5000', dialect: 'iso93ascii', tlsServername: 'bank.example' }] };
  const options = upstreamOptions(config, silent, undefined);
  assert.equal(options.name, 'upstream');
  assert.equal(options.saf?.journalDir, '/tmp/j');
  assert.equal(typeof options.dialect === 'object' ? options.dialect.name : options.dialect, 'iso93ascii');
  assert.equal(options.reversal?.mti, '0420');
  assert.equal(options.tls?.servername, 'bank.example');
});

test('TLS: the upstream\'s own tls wins, else its own TLS files or server name mean TLS, else the gateway\'s', () => {
  const plain = gateway();
  const withCa = { ...plain, tlsCa: '/ca.pem', tls: true };
  const u = { name: 'u', upstream: '10.0.0.2:1' };
  assert.equal(upstreamUsesTls(plain, undefined), false);
  assert.equal(upstreamUsesTls({ ...plain, tlsServername: 'x' }, undefined), true);
  assert.equal(upstreamUsesTls(plain, u), false);
  assert.equal(upstreamUsesTls(plain, { ...u, tlsServername: 'bank.example' }), true);
  assert.equal(upstreamUsesTls(plain, { ...u, tlsCa: '/ca.pem' }), true);
  assert.equal(upstreamUsesTls(plain, { ...u, tlsCert: '/c.pem', tlsKey: '/c.key' }), true);
  assert.equal(upstreamUsesTls(withCa, u), true);
  assert.equal(upstreamUsesTls(withCa, { ...u, tls: false }), false);
  assert.equal(upstreamUsesTls(plain, { ...u, tls: false, tlsServername: 'x' }), false);
  const options = upstreamOptions(plain, silent, undefined, { ...u, tlsServername: 'bank.example' });
  assert.deepEqual(options.tls, { rejectUnauthorized: true, servername: 'bank.example', sources: {
    ca: '--tls-ca', cert: '--tls-cert', key: '--tls-key', servername: '/upstreams/0/tlsServername',
  } });
  assert.equal(upstreamOptions(withCa, silent, undefined, { ...u, tls: false }).tls, undefined);
});

test('each upstream link accepts what the listeners admit (64 per POS connection, 32 per HTTP connection), or --max-in-flight', () => {
  // The connector's own default (1000) answered 91 to purchases at half the gateway's peak whenever a burst held more.
  assert.equal(upstreamOptions(gateway(), silent, undefined).maxInFlight, 64 * 1000 + 32 * 1000);
  assert.equal(upstreamOptions(gateway(['--max-connections', '10', '--http-max-connections', '5']), silent, undefined).maxInFlight, 64 * 10 + 32 * 5);
  assert.equal(upstreamOptions(gateway(['--max-connections', '10', '--no-http']), silent, undefined).maxInFlight, 640);
  assert.equal(upstreamOptions(gateway(['--max-in-flight', '7']), silent, undefined).maxInFlight, 7);
  // Every upstream of a group the same.
  assert.equal(upstreamOptions(gateway(['--max-in-flight', '7']), silent, undefined, { name: 'b', upstream: '10.0.0.2:1' }).maxInFlight, 7);
  assert.throws(() => gateway(['--max-in-flight', '0']), /max-in-flight/);
});

test('--terminal-queue: a terminal may have as many requests waiting as its link accepts, not the connector\'s 100', () => {
  // One terminal on two POS connections at their 64 each was refused 27 of 128 (ISO8583_ERR_CONNECTOR_QUEUE_FULL,
  // answered 91) while each connection was under its own limit.
  for (const args of [[], ['--max-connections', '2', '--no-http'], ['--max-in-flight', '7']]) {
    const options = upstreamOptions(gateway(['--terminal-queue', ...args]), silent, undefined);
    assert.equal(options.terminalQueue?.maxQueued, options.maxInFlight, args.join(' '));
  }
  assert.ok((upstreamOptions(gateway(['--terminal-queue', '--max-connections', '2', '--no-http']), silent, undefined).terminalQueue?.maxQueued ?? 0) >= 2 * 64);
});

test('the wait for the link is bounded by --request-timeout (the connector\'s 10 s when longer)', () => {
  assert.equal(upstreamOptions(gateway(['--request-timeout', '2000']), silent, undefined).pool?.acquireTimeout, 2000);
  assert.equal(upstreamOptions(gateway(), silent, undefined).pool?.acquireTimeout, 10_000);
  const named = upstreamOptions(gateway(['--request-timeout', '2000']), silent, undefined, { name: 'b', upstream: '10.0.0.2:1' });
  assert.equal(named.pool?.acquireTimeout, 2000);
});
