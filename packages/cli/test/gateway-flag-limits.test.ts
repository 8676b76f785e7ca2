// The gateway's counts and durations where 0 (or a large value) means nothing the gateway can do are refused by the
// flag check, naming the flag (ISO8583_ERR_CLI_OPTION), as `--check-config` and before anything listens or connects:
// `--max-connections 0` used to pass the check and `--check-config`, and the start then failed late, after linking to
// the bank, naming the inbound endpoint's `maxConnections`; `--reversal-retry-interval 0` ran, repeating every
// reversal each millisecond at the bank.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIso8583Error } from '@iso8583/codec';
import { GATEWAY_FLAGS, parseGatewayArgs } from '../src/gateway/config.js';
import { runCli } from './cli-process.js';

const UPSTREAM = ['--upstream', '127.0.0.1:9'];

/** Each flag, the values refused with their reason, and the value at its limit, accepted. */
const LIMITS: { flag: string; refused: [string, RegExp][]; edge: string }[] = [
  { flag: 'max-connections', refused: [['0', />= 1/], ['-1', />= 1/], ['1.5', /integer/]], edge: '1' },
  { flag: 'request-timeout', refused: [['0', />= 1/]], edge: '1' },
  { flag: 'reversal-retry-interval', refused: [['0', />= 1/]], edge: '1' },
  { flag: 'saf-retry-interval', refused: [['0', />= 1/]], edge: '1' },
  { flag: 'saf-max-in-flight', refused: [['0', />= 1/], ['-1', />= 1/], ['many', /integer/]], edge: '1' },
  { flag: 'reconnect-delay', refused: [['0', />= 1/], ['2147483648', /<= 2147483647/], ['soon', /integer/]], edge: '1' },
  { flag: 'reconnect-max-delay', refused: [['0', />= 1/], ['2147483648', /<= 2147483647/]], edge: '2147483647' },
  { flag: 'header-bytes', refused: [['65', /<= 64/]], edge: '64' },
  { flag: 'client-header-bytes', refused: [['65', /<= 64/]], edge: '64' },
  { flag: 'console-session-lifetime', refused: [['0', />= 1/], ['43201', /<= 43200/], ['soon', /integer/]], edge: '43200' },
];

test('gateway flags – a count or duration the gateway cannot use (0 connections, 0 ms, a header over 64 bytes) is refused naming the flag', () => {
  for (const { flag, refused, edge } of LIMITS) {
    for (const [value, reason] of refused) {
      assert.throws(
        () => parseGatewayArgs([...UPSTREAM, `--${flag}=${value}`]),
        (err: unknown) => {
          assert.ok(isIso8583Error(err));
          assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
          assert.equal(err.field, `--${flag}`);
          assert.match(err.message, reason);
          return true;
        },
        `--${flag} ${value}`,
      );
    }
    assert.doesNotThrow(() => parseGatewayArgs([...UPSTREAM, `--${flag}`, edge]), `--${flag} ${edge}`);
  }
});

test('gateway flags – every count or duration that takes 0 is one where 0 has a meaning (any port, none, never, forever, at once)', () => {
  const zero = GATEWAY_FLAGS.filter((f) => f.kind === 'integer' && (f.min ?? 0) === 0).map((f) => f.flag);
  assert.deepEqual(zero.sort(), [
    'client-header-bytes', // no fixed header
    'echo-interval', // no echo test
    'first-message-timeout', // never
    'header-bytes', // no fixed header
    'http', // any port
    'idle-timeout', // never
    'listen', // any port
    'metrics', // any port
    'saf-expire-after', // never
    'saf-initial-delay', // at once
    'saf-max-attempts', // until answered
    'saf-max-entries', // no limit
    'saf-message-interval', // no pause
    'shutdown-deadline', // abort at once
    'stats-port', // any port
    'transaction-retention', // forever
    'upstream-port', // refused by --upstream-host's check, as a port to connect to
  ]);
});

test('gateway config file – maxConnections 0 and reversalRetryInterval 0 are refused naming each key', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-gateway-limits-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify({ upstream: '127.0.0.1:9', maxConnections: 0, reversalRetryInterval: 0, clientHeaderBytes: 65 }));
  assert.throws(
    () => parseGatewayArgs(['--config', file]),
    (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_GATEWAY_CONFIG');
      assert.deepEqual(err.problems?.map((p) => p.field).sort(), ['/clientHeaderBytes', '/maxConnections', '/reversalRetryInterval']);
      return true;
    },
  );
});

test('iso8583 gateway --max-connections 0 --check-config exits 1 naming the flag (it passed the check, and the start failed late)', async () => {
  const r = await runCli(['gateway', ...UPSTREAM, '--listen', '0', '--http', '0', '--no-transaction-log', '--no-reversal', '--max-connections', '0', '--check-config']);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'iso8583: ISO8583_ERR_CLI_OPTION: --max-connections must be >= 1\n');
});
