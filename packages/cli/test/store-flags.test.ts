// Choosing the store: the gateway's --store and --saf-lease, and a flow connector's `store`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { gatewayHelp, parseGatewayArgs } from '../src/gateway/config.js';
import { upstreamOptions } from '../src/gateway/upstream-options.js';
import { loadFlow } from '../src/flow/load.js';

const silent = pino({ level: 'silent' });

test('--saf-lease not given follows a longer --request-timeout (SocketQueue\'s 35 s): the defaults are never a lease shorter than the bank wait', () => {
  const lease = (argv: string[]): number => parseGatewayArgs(['--store', 'postgresql://gw@db:5432/iso', ...argv]).config.safLease;
  assert.equal(lease(['--upstream', '10.0.0.1:5000']), 30_000, 'the default');
  assert.equal(lease(['--upstreamHost=10.0.0.1', '--upstreamPort=5000']), 35_000, 'SocketQueue\'s names: their 35 s wait');
  assert.equal(lease(['--upstream', '10.0.0.1:5000', '--request-timeout', '45000']), 45_000);
  assert.equal(lease(['--upstream', '10.0.0.1:5000', '--request-timeout', '45000', '--saf-lease', '9000']), 9_000, 'a lease given is kept (the start warns of it)');
});

test('--store postgresql://... and --saf-lease go to every upstream connector, in place of the journal folder', () => {
  const { config } = parseGatewayArgs(['--upstream', '10.0.0.1:5000', '--store', 'postgresql://gw:pw@db:5432/iso', '--saf-lease', '9000']);
  assert.equal(config.store, 'postgresql://gw:pw@db:5432/iso');
  assert.equal(config.safLease, 9000);
  const options = upstreamOptions(config, silent, undefined);
  assert.equal(options.store, 'postgresql://gw:pw@db:5432/iso');
  assert.equal(options.safLease, 9000);
  assert.equal(options.saf?.journalDir, undefined);
  assert.equal(options.reversal?.enabled, true);
  assert.match(gatewayHelp(), /--store URL/);
  assert.match(gatewayHelp(), /--saf-lease MS/);
});

test('--no-saf-owner-lock turns the PostgreSQL journal\'s owner lock off (on by default)', () => {
  const store = ['--upstream', '10.0.0.1:5000', '--store', 'postgresql://gw:pw@db:5432/iso'];
  const on = parseGatewayArgs(store).config;
  assert.equal(on.noSafOwnerLock, false);
  assert.equal(upstreamOptions(on, silent, undefined).safOwnerLock, true);
  const off = parseGatewayArgs([...store, '--no-saf-owner-lock']).config;
  assert.equal(off.noSafOwnerLock, true);
  assert.equal(upstreamOptions(off, silent, undefined).safOwnerLock, false);
  assert.match(gatewayHelp(), /--no-saf-owner-lock/);
});

test('without --store: the file journal, and a lease of 30000 ms', () => {
  const { config } = parseGatewayArgs(['--upstream', '10.0.0.1:5000', '--reversal-journal', '/tmp/j']);
  assert.equal(config.store, undefined);
  assert.equal(config.safLease, 30_000);
  const options = upstreamOptions(config, silent, undefined);
  assert.equal(options.store, undefined);
  assert.equal(options.saf?.journalDir, '/tmp/j');
});

test('--store that is not a postgresql:// URL, or a lease under 100 ms, is refused naming the flag', () => {
  assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', '--store', '/var/lib/iso']), { code: 'ISO8583_ERR_CLI_OPTION', message: /store/ });
  assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', '--saf-lease', '50']), { code: 'ISO8583_ERR_CLI_OPTION', message: /saf-lease|safLease/ });
});

test('a flow connector takes `store` as a postgresql:// URL (environment variables substituted), nothing else', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  const flow = (store: unknown): string =>
    JSON.stringify({ connectors: { bank: { host: '127.0.0.1', port: 9000, store, safLease: 5000, reversal: { enabled: true } } } });
  writeFileSync(file, flow('${ISO8583_STORE}'));
  const loaded = loadFlow(file, { ISO8583_STORE: 'postgresql://gw:pw@db:5432/iso' });
  assert.equal(loaded.connectors.bank?.store, 'postgresql://gw:pw@db:5432/iso');
  writeFileSync(file, flow({ open: 1 }));
  assert.throws(() => loadFlow(file, {}), (err: Error & { code?: string; problems?: { field: string }[] }) => {
    assert.equal(err.code, 'ISO8583_ERR_FLOW_INVALID');
    assert.ok(err.problems?.some((p) => p.field.includes('/connectors/bank/store')), JSON.stringify(err.problems));
    return true;
  });
});

test('with --store, a lone named upstream keeps its reversals under its own name (and takes over `upstream`)', () => {
  const store = ['--store', 'postgresql://gw:pw@db:5432/iso'];
  const lone = parseGatewayArgs(['--upstream', 'bankX=10.0.0.1:5000', ...store]).config;
  assert.deepEqual(upstreamOptions(lone, silent, undefined).storeKeys, ['bankX', 'upstream']);
  // A bank added in front later takes over `upstream` only; bankX's reversals stay bankX's.
  const group = parseGatewayArgs(['--upstream', 'bankA=10.0.0.2:5000', '--upstream', 'bankX=10.0.0.1:5000', ...store]).config;
  const [a, x] = group.upstreams ?? [];
  assert.deepEqual(upstreamOptions(group, silent, undefined, a).storeKeys, ['bankA', 'upstream']);
  assert.deepEqual(upstreamOptions(group, silent, undefined, x).storeKeys, ['bankX']);
  // A plain lone --upstream keeps the key `upstream`.
  assert.equal(upstreamOptions(parseGatewayArgs(['--upstream', '10.0.0.1:5000', ...store]).config, silent, undefined).storeKeys, undefined);
});
