// Turning the check of the host's certificate off (`gateway --tls-insecure`, config key `tlsInsecure`; a flow
// connector's `tls.rejectUnauthorized: false`) was silent at `--check-config` and `run --check`. Now each prints a
// `warning: ISO8583_WARN_TLS_INSECURE: ...` line naming the flag or the JSON path (the start logs it, connector side).
// The gateway's start logged it naming the connector's option (`tls.rejectUnauthorized`), a name its operator never
// gave: it names the flag, as `--check-config` does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { makeCertificates } from '@iso8583/test-support';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { checkGatewayConfig } from '../src/gateway/check-config.js';
import { runCli } from './cli-process.js';
import { startGateway } from './helpers/gateway-process.js';

test('gateway --check-config with --tls-insecure prints ISO8583_WARN_TLS_INSECURE naming the flag; without it, none', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-tls-insecure-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const check = (...flags: string[]): string =>
    checkGatewayConfig(parseGatewayArgs(['--upstream', '127.0.0.1:9', '--tls', '--reversal-journal', join(dir, 'j'), ...flags]).config);
  const insecure = check('--tls-insecure');
  assert.match(insecure, /^warning: ISO8583_WARN_TLS_INSECURE: --tls-insecure: the host's certificate is not verified: .*\(testing only\)\n/m);
  assert.equal(insecure.match(/ISO8583_WARN_TLS_INSECURE/g)?.length, 1, insecure);
  assert.doesNotMatch(check(), /TLS_INSECURE/);
});

test('run --check of a flow whose connector has tls.rejectUnauthorized false prints the warning naming its JSON path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-tls-insecure-flow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({ name: 'payments', connectors: { bank: { host: '127.0.0.1', port: 9, tls: { rejectUnauthorized: false } } } }));
  const r = await runCli(['run', file, '--check']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^warning: ISO8583_WARN_TLS_INSECURE: \/connectors\/bank\/tls\/rejectUnauthorized: the host's certificate is not verified: .*\nflow payments is valid\n$/);
});

test('gateway start with --tls-insecure logs ISO8583_WARN_TLS_INSECURE naming the flag, the text --check-config prints', async (t) => {
  const certs = makeCertificates();
  t.after(() => certs.cleanup());
  const bank = createServer({ cert: certs.serverCert, key: certs.serverKey }, (s) => s.on('error', () => undefined));
  bank.listen(0, '127.0.0.1');
  await new Promise((resolve) => bank.once('listening', resolve));
  t.after(() => bank.close());
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-tls-insecure-start-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = (bank.address() as { port: number }).port;
  const args = ['--upstream', `127.0.0.1:${port}`, '--tls', '--tls-insecure', '--reversal-journal', join(dir, 'j')];
  const gateway = await startGateway(t, [...args, '--listen', '0', '--bind', '127.0.0.1', '--no-http', '--log-level', 'warn']);
  const lines = (await gateway.stop()).split('\n').filter((l) => l.includes('ISO8583_WARN_TLS_INSECURE')).map((l) => JSON.parse(l) as { field?: string; msg?: string });
  assert.equal(lines.length, 1, JSON.stringify(lines));
  const checked = /^warning: ISO8583_WARN_TLS_INSECURE: (.*)$/m.exec(checkGatewayConfig(parseGatewayArgs(args).config))?.[1];
  assert.equal(lines[0]?.msg, checked);
  assert.equal(lines[0]?.field, '--tls-insecure');
});
