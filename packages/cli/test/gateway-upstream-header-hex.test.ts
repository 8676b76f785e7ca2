// Each of the config file's `upstreams` may give its own `headerHex`: the fixed header bytes sent before every request
// to that upstream (one bank wants a TPDU, the other none), its length that upstream's `headerBytes`; the others keep
// the gateway's. An own `headerBytes` of another length is refused naming `/upstreams/N/headerHex`. Before, only the
// gateway's `headerHex` (`--header-hex`) existed and the key was refused in an upstream. Real config files, real
// connectors made from the gateway's options, and a raw TCP host that reads the bytes each upstream link sends.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createConnector } from '@iso8583/connector';
import { within } from '@iso8583/test-support';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { checkGatewayConfig } from '../src/gateway/check-config.js';
import { upstreamOptions } from '../src/gateway/upstream-options.js';

const silent = pino({ level: 'silent' });

function configFile(t: TestContext, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-upstream-header-hex-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

/** A raw host: resolves with the first bytes a connection sends (the length header, the header, the message's start). */
async function rawHost(t: TestContext): Promise<{ port: number; first: Promise<Buffer> }> {
  let got: (b: Buffer) => void = () => undefined;
  const first = new Promise<Buffer>((resolve) => (got = resolve));
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', (chunk: Buffer) => got(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.close();
    for (const s of sockets) s.destroy();
  });
  return { port: (server.address() as AddressInfo).port, first };
}

test('gateway upstreams – an upstream\'s own headerHex is sent before its requests; the other keeps none', async (t) => {
  const a = await rawHost(t);
  const b = await rawHost(t);
  const file = configFile(t, { upstreams: [{ name: 'a', upstream: `127.0.0.1:${a.port}`, headerHex: '60000100FF' }, { name: 'b', upstream: `127.0.0.1:${b.port}` }] });
  const { config } = parseGatewayArgs(['--config', file, '--no-reversal']);
  const [ua, ub] = config.upstreams ?? [];
  const optionsA = upstreamOptions(config, silent, undefined, ua);
  const optionsB = upstreamOptions(config, silent, undefined, ub);
  assert.equal(optionsA.headerBytes, 5);
  assert.equal(optionsB.headerBytes, 0);
  for (const [options, host, header] of [[optionsA, a, '60000100ff'], [optionsB, b, '']] as const) {
    const connector = createConnector({ ...options, requestTimeout: 60_000 });
    t.after(() => connector.destroy());
    connector.on('error', () => undefined);
    void connector.sendMessage({ 0: '0800', 7: '1204043000', 11: '000001', 70: '301' }).catch(() => undefined);
    const bytes = await within(host.first, 10_000, `the bytes sent to ${String(options.name)}`);
    // binary2: the length, then the header, then the MTI.
    assert.equal(bytes.subarray(2, 2 + header.length / 2).toString('hex'), header, String(options.name));
    assert.equal(bytes.subarray(2 + header.length / 2, 6 + header.length / 2).toString('latin1'), '0800', String(options.name));
  }
});

test('gateway upstreams – an upstream\'s own headerHex of 5 bytes beside the gateway\'s of 3: 5 on its link, 3 on the other\'s', async (t) => {
  const a = await rawHost(t);
  const b = await rawHost(t);
  const file = configFile(t, { headerHex: '600001', upstreams: [{ name: 'a', upstream: `127.0.0.1:${a.port}`, headerHex: '60000200FF' }, { name: 'b', upstream: `127.0.0.1:${b.port}` }] });
  const { config } = parseGatewayArgs(['--config', file, '--listen', '0', '--http', '0', '--no-reversal']);
  checkGatewayConfig(config);
  const [ua, ub] = config.upstreams ?? [];
  for (const [own, host, header] of [[ua, a, '60000200ff'], [ub, b, '600001']] as const) {
    const options = upstreamOptions(config, silent, undefined, own);
    assert.equal(options.headerBytes, header.length / 2, String(options.name));
    const connector = createConnector({ ...options, requestTimeout: 60_000 });
    t.after(() => connector.destroy());
    connector.on('error', () => undefined);
    void connector.sendMessage({ 0: '0800', 7: '1204043000', 11: '000001', 70: '301' }).catch(() => undefined);
    const bytes = await within(host.first, 10_000, `the bytes sent to ${String(options.name)}`);
    assert.equal(bytes.subarray(2, 2 + header.length / 2).toString('hex'), header, String(options.name));
    assert.equal(bytes.subarray(2 + header.length / 2, 6 + header.length / 2).toString('latin1'), '0800', String(options.name));
  }
});

test('gateway upstreams – an upstream\'s headerHex against its own headerBytes of another length names /upstreams/N/headerHex', (t) => {
  const file = configFile(t, { upstreams: [{ name: 'a', upstream: '127.0.0.1:9' }, { name: 'b', upstream: '127.0.0.1:10', headerHex: '6000010000', headerBytes: 4 }] });
  assert.throws(() => checkGatewayConfig(parseGatewayArgs(['--config', file, '--listen', '0', '--http', '0', '--no-reversal']).config), (err: { code?: string; field?: string; message: string }) => {
    // The connector's check, told as the upstream's key (upstream-problem.ts keeps the code).
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', err.message);
    assert.equal(err.field, '/upstreams/1/headerHex', err.message);
    assert.match(err.message, /^\/upstreams\/1\/headerHex \(upstream "b"\): /);
    return true;
  });
  const odd = configFile(t, { upstreams: [{ upstream: '127.0.0.1:9', headerHex: '600' }] });
  assert.throws(() => parseGatewayArgs(['--config', odd]), (err: { code?: string; message: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_GATEWAY_CONFIG', err.message);
    assert.match(err.message, /headerHex/);
    return true;
  });
});
