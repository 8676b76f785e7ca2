// A bad `httpTrustedProxy` is named as the gateway names the token's settings: the flag and its config file key
// (`--http-trusted-proxy (config key httpTrustedProxy)`), at --check-config and at the start alike; the error's field
// is the flag. `iso8583 run` (flags only) names the flag alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkGatewayConfig } from '../src/gateway/check-config.js';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { trustedProxyList } from '../src/http/trusted-proxies.js';
import { runCli } from './cli-process.js';

const NAMED = /--http-trusted-proxy \(config key httpTrustedProxy\): "10\.0\.0\.999" is not an IP address nor ADDRESS\/PREFIX/;

test('trusted proxy names – --check-config names the flag and the config key; the field is the flag', () => {
  const config = parseGatewayArgs(['--upstream', '127.0.0.1:9', '--http-trusted-proxy', '10.0.0.999']).config;
  assert.throws(() => checkGatewayConfig(config), (err: Error & { code?: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
    assert.match(err.message, NAMED);
    assert.equal(err.field, '--http-trusted-proxy');
    return true;
  });
  // The flags alone (run, the flows): the flag's name only.
  assert.throws(() => trustedProxyList('10.0.0.999'), (err: Error) => err.message.startsWith('--http-trusted-proxy: "10.0.0.999"'));
});

test('trusted proxy names – a gateway started with a bad httpTrustedProxy in its config file fails naming the key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-trusted-names-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'gateway.json');
  writeFileSync(config, JSON.stringify({ upstream: '127.0.0.1:9', httpTrustedProxy: '10.0.0.999' }));
  const r = await runCli(['gateway', '--config', config, '--listen', '0', '--http', '0', '--bind', '127.0.0.1', '--reversal-journal', join(dir, 'journal')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, NAMED);
});
