// Every duration of `iso8583 gateway` (flag or config file key) is bounded: a wait for the upstream's answer by
// MAX_REQUEST_TIMEOUT (1 hour), any other by MAX_TIMER_DELAY (2^31 - 1 ms, beyond which a Node.js timer fires after
// 1 ms). A larger value is refused naming the flag or key, before anything listens or connects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIso8583Error } from '@iso8583/codec';
import { MAX_REQUEST_TIMEOUT, MAX_TIMER_DELAY } from '@iso8583/connector';
import { GATEWAY_FLAGS, parseGatewayArgs } from '../src/gateway/config.js';
import { loadFlow } from '../src/flow/load.js';
import { runCli } from './cli-process.js';

const UPSTREAM = ['--upstream', '127.0.0.1:9'];

/** The duration flags and their maximum. */
const DURATIONS = GATEWAY_FLAGS.filter((f) => f.arg === 'MS').map((f) => ({
  flag: f.flag,
  key: f.key,
  maximum: f.key === 'requestTimeout' || f.key === 'shutdownDeadline' ? MAX_REQUEST_TIMEOUT : MAX_TIMER_DELAY,
}));

/** What a flag at its maximum needs beside it: the first reconnect wait is no longer than the longest. */
const ALSO: Readonly<Record<string, string[]>> = { 'reconnect-delay': ['--reconnect-max-delay', String(MAX_TIMER_DELAY)] };

test('gateway flags – every duration flag over its maximum (2^31 ms; over 1 hour for --request-timeout and --shutdown-deadline) is refused naming it', () => {
  assert.deepEqual(
    DURATIONS.map((d) => d.flag).sort(),
    ['echo-interval', 'first-message-timeout', 'idle-timeout', 'reconnect-delay', 'reconnect-max-delay', 'request-timeout', 'reversal-retry-interval', 'saf-expire-after', 'saf-initial-delay', 'saf-lease', 'saf-message-interval', 'shutdown-deadline'],
  );
  for (const { flag, key, maximum } of DURATIONS) {
    for (const value of [2 ** 31, maximum + 1]) {
      assert.throws(
        () => parseGatewayArgs([...UPSTREAM, `--${flag}`, String(value)]),
        (err: unknown) => {
          assert.ok(isIso8583Error(err));
          assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
          assert.equal(err.field, `--${flag}`);
          return true;
        },
        `--${flag} ${value}`,
      );
    }
    const { config } = parseGatewayArgs([...UPSTREAM, `--${flag}`, String(maximum), ...(ALSO[flag] ?? [])]);
    assert.equal(config[key], maximum);
  }
});

test('gateway config file – a duration key over its maximum is refused naming the key', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-gateway-timeouts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify({ upstream: '127.0.0.1:9', requestTimeout: 2 ** 31, idleTimeout: 2 ** 31 }));
  assert.throws(
    () => parseGatewayArgs(['--config', file]),
    (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_GATEWAY_CONFIG');
      assert.deepEqual(err.problems?.map((p) => p.field).sort(), ['/idleTimeout', '/requestTimeout']);
      return true;
    },
  );
});

test('iso8583 gateway --request-timeout 2147483648 exits non-zero naming the flag, before listening or connecting', async () => {
  const r = await runCli(['gateway', ...UPSTREAM, '--listen', '0', '--http', '0', '--request-timeout', '2147483648']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /ISO8583_ERR_CLI_OPTION/);
  assert.match(r.stderr, /--request-timeout/);
  assert.equal(r.stdout, '');
});

test('flow file – durations over their maximum (connector, inbound endpoint, shutdownDeadline) are refused naming each path', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-timeouts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  writeFileSync(
    file,
    JSON.stringify({
      connectors: { bank: { host: '127.0.0.1', port: 9, requestTimeout: 2 ** 31, readTimeout: 2 ** 31 } },
      inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator', readTimeout: 2 ** 31 } },
      shutdownDeadline: MAX_REQUEST_TIMEOUT + 1,
    }),
  );
  assert.throws(
    () => loadFlow(file),
    (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_FLOW_INVALID');
      // Each problem is `FILE:LINE:COLUMN /json/pointer`.
      assert.deepEqual(err.problems?.map((p) => p.field.split(' ')[1]).sort(), [
        '/connectors/bank/readTimeout',
        '/connectors/bank/requestTimeout',
        '/inboundEndpoints/pos/readTimeout',
        '/shutdownDeadline',
      ]);
      return true;
    },
  );
});
