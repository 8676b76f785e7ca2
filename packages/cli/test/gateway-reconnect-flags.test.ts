// The reconnect backoff of the gateway's upstream links as an operator sets it: `--reconnect-delay` and
// `--reconnect-max-delay` (config keys `reconnectDelay`, `reconnectMaxDelay`, and each upstream's own in `upstreams`)
// become the connector's `reconnect` options; without them the connector's defaults (100 ms doubling up to 30 s) stay;
// a first wait longer than the longest is refused naming the flag given (a default as the default) or the upstream's key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { isIso8583Error } from '@iso8583/codec';
import { gatewayHelp, parseGatewayArgs } from '../src/gateway/config.js';
import { upstreamOptions } from '../src/gateway/upstream-options.js';

const silent = pino({ level: 'silent' });
const UPSTREAM = ['--upstream', '127.0.0.1:9'];

function configFile(t: { after: (fn: () => void) => void }, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-gateway-reconnect-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

test('gateway reconnect – without the flags the link keeps the connector\'s backoff: 100 ms first, 30 s at most', () => {
  const options = upstreamOptions(parseGatewayArgs(UPSTREAM).config, silent, undefined);
  assert.deepEqual(options.reconnect, { initialDelay: 100, maxDelay: 30_000 });
});

test('gateway reconnect – --reconnect-delay and --reconnect-max-delay become the link\'s backoff, and every upstream\'s', () => {
  const one = parseGatewayArgs([...UPSTREAM, '--reconnect-delay', '250', '--reconnect-max-delay', '2000']).config;
  assert.deepEqual(upstreamOptions(one, silent, undefined).reconnect, { initialDelay: 250, maxDelay: 2000 });
  const several = parseGatewayArgs(['--upstream', 'a=127.0.0.1:9', '--upstream', 'b=127.0.0.1:10', '--reconnect-max-delay', '500']).config;
  for (const u of several.upstreams ?? []) {
    assert.deepEqual(upstreamOptions(several, silent, undefined, u).reconnect, { initialDelay: 100, maxDelay: 500 }, u.name);
  }
});

test('gateway reconnect – config file keys, and an upstream\'s own over the gateway\'s; flags win over the file', (t) => {
  const file = configFile(t, {
    reconnectDelay: 200,
    reconnectMaxDelay: 5000,
    upstreams: [
      { name: 'bankA', upstream: '127.0.0.1:9', reconnectMaxDelay: 1000 },
      { name: 'bankB', upstream: '127.0.0.1:10', reconnectDelay: 50 },
    ],
  });
  const config = parseGatewayArgs(['--config', file]).config;
  const [a, b] = config.upstreams ?? [];
  assert.deepEqual(upstreamOptions(config, silent, undefined, a).reconnect, { initialDelay: 200, maxDelay: 1000 });
  assert.deepEqual(upstreamOptions(config, silent, undefined, b).reconnect, { initialDelay: 50, maxDelay: 5000 });
  const flagged = parseGatewayArgs(['--config', file, '--reconnect-delay', '300']).config;
  assert.deepEqual(upstreamOptions(flagged, silent, undefined, flagged.upstreams?.[1]).reconnect, { initialDelay: 50, maxDelay: 5000 });
  assert.deepEqual(upstreamOptions(flagged, silent, undefined, flagged.upstreams?.[0]).reconnect, { initialDelay: 300, maxDelay: 1000 });
  // A lone upstream of the file keeps its own too.
  const lone = parseGatewayArgs(['--config', configFile(t, { upstreams: [{ name: 'only', upstream: '127.0.0.1:9', reconnectDelay: 20, reconnectMaxDelay: 40 }] })]).config;
  assert.deepEqual(upstreamOptions(lone, silent, undefined).reconnect, { initialDelay: 20, maxDelay: 40 });
});

test('gateway reconnect – a first wait longer than the longest is refused naming --reconnect-delay', () => {
  for (const args of [['--reconnect-delay', '40000'], ['--reconnect-delay', '600', '--reconnect-max-delay', '500']]) {
    assert.throws(
      () => parseGatewayArgs([...UPSTREAM, ...args]),
      (err: unknown) => {
        assert.ok(isIso8583Error(err));
        assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
        assert.equal(err.field, '--reconnect-delay');
        assert.match(err.message, /^--reconnect-delay \d+ is longer than (the default )?--reconnect-max-delay \d+/);
        return true;
      },
      args.join(' '),
    );
  }
  assert.doesNotThrow(() => parseGatewayArgs([...UPSTREAM, '--reconnect-delay', '500', '--reconnect-max-delay', '500']));
});

test('gateway reconnect – a longest wait below the default first wait names --reconnect-max-delay, the flag given, and the default', () => {
  assert.throws(
    () => parseGatewayArgs([...UPSTREAM, '--reconnect-max-delay', '50']),
    (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
      assert.equal(err.field, '--reconnect-max-delay');
      assert.match(err.message, /^--reconnect-max-delay 50 is shorter than the default --reconnect-delay 100: /);
      return true;
    },
  );
});

test('gateway reconnect – an upstream\'s bad or contradicting key is refused naming it and the config file', (t) => {
  const bad = configFile(t, { upstreams: [{ name: 'a', upstream: '127.0.0.1:9', reconnectDelay: 0, reconnectMaxDelay: 2147483648 }] });
  assert.throws(
    () => parseGatewayArgs(['--config', bad]),
    (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_GATEWAY_CONFIG');
      assert.deepEqual(err.problems?.map((p) => p.field).sort(), ['/upstreams/0/reconnectDelay', '/upstreams/0/reconnectMaxDelay']);
      return true;
    },
  );
  // The upstream's own key, and the gateway's value beside it named where it came from: its own key, the gateway's
  // key in the file, a flag, the default.
  const cases: [Record<string, unknown>, string[], string, string][] = [
    [{ upstreams: [{ name: 'a', upstream: '127.0.0.1:9', reconnectDelay: 500, reconnectMaxDelay: 400 }] }, [], '/upstreams/0/reconnectDelay', 'reconnectDelay 500 is longer than reconnectMaxDelay 400'],
    [{ upstreams: [{ name: 'a', upstream: '127.0.0.1:9' }, { name: 'b', upstream: '127.0.0.1:10', reconnectMaxDelay: 50 }] }, [], '/upstreams/1/reconnectMaxDelay', 'reconnectMaxDelay 50 is shorter than the default reconnectDelay 100'],
    [{ upstreams: [{ name: 'a', upstream: '127.0.0.1:9', reconnectDelay: 31_000 }] }, [], '/upstreams/0/reconnectDelay', 'reconnectDelay 31000 is longer than the default reconnectMaxDelay 30000'],
    [{ reconnectDelay: 200, upstreams: [{ name: 'a', upstream: '127.0.0.1:9', reconnectMaxDelay: 150 }] }, [], '/upstreams/0/reconnectMaxDelay', "reconnectMaxDelay 150 is shorter than the gateway's reconnectDelay 200"],
    [{ upstreams: [{ name: 'a', upstream: '127.0.0.1:9', reconnectMaxDelay: 100 }] }, ['--reconnect-delay', '300'], '/upstreams/0/reconnectMaxDelay', 'reconnectMaxDelay 100 is shorter than --reconnect-delay 300'],
  ];
  for (const [content, flags, field, words] of cases) {
    const file = configFile(t, content);
    assert.throws(
      () => parseGatewayArgs(['--config', file, ...flags]),
      (err: unknown) => {
        assert.ok(isIso8583Error(err));
        assert.equal(err.code, 'ISO8583_ERR_GATEWAY_CONFIG');
        assert.equal(err.field, field);
        // Named as every other error about the file names it: the file, then the upstream and its keys.
        assert.ok(err.message.startsWith(`config file ${file}: upstream `), err.message);
        assert.ok(err.message.includes(`: ${words}: the first wait cannot exceed the longest`), err.message);
        return true;
      },
      words,
    );
  }
});

test('gateway reconnect – the help lists both flags with their defaults', () => {
  // One block per flag (a row's text wraps onto lines indented deeper than a flag), its whitespace made single spaces.
  const rows = gatewayHelp().split(/\n(?= {2,8}-)/).map((r) => r.replace(/\s+/g, ' ').trim());
  assert.match(rows.find((r) => r.startsWith('--reconnect-delay MS ')) ?? 'missing', /Default: 100$/);
  assert.match(rows.find((r) => r.startsWith('--reconnect-max-delay MS ')) ?? 'missing', /Default: 30000$/);
});
