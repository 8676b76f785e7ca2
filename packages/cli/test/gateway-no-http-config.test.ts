// A gateway started with HTTP off (`--no-http`) still checks what --check-config checks of the HTTP side's settings:
// a bad `--http-trusted-proxy` stops the start (ISO8583_ERR_CLI_OPTION, named as --check-config names it) before any
// file or socket opens, as it does with HTTP on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { capturedLogger, tempFolder } from '@iso8583/test-support';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { startGateway } from '../src/gateway/gateway.js';
import { connectorTransactionLog, consoleRing } from '../src/gateway/clients.js';

const NAMED = /^--http-trusted-proxy \(config key httpTrustedProxy\): .*not an IP address nor ADDRESS\/PREFIX/;

test('gateway --no-http – a bad --http-trusted-proxy stops the start as --check-config refuses it', async (t) => {
  const dir = tempFolder(t, 'iso8583-no-http-proxy-');
  const journal = join(dir, 'journal');
  const { config } = parseGatewayArgs([
    '--upstream', '127.0.0.1:9', '--listen', '0', '--bind', '127.0.0.1', '--no-http', '--no-transaction-log',
    '--reversal-journal', journal, '--http-trusted-proxy', 'not-an-address',
  ]);
  assert.equal(config.httpEnabled, false);
  const { logger } = capturedLogger();
  let started: Awaited<ReturnType<typeof startGateway>> | undefined;
  await assert.rejects(
    (async () => {
      started = await startGateway(config, { logger });
    })(),
    (err: Error & { code?: string; field?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
      assert.match(err.message, NAMED);
      assert.equal(err.field, '--http-trusted-proxy');
      return true;
    },
  );
  if (started !== undefined) await started.close(0);
  // Refused before the journal was made: nothing of the start is left behind.
  assert.deepEqual(readdirSync(dir), []);
});

// With HTTP off the console has no port to be read on: no ring is built, so no transaction is kept in memory for it
// (up to 50,000 latency samples for good), and with --no-transaction-log the connectors have no recorder at all.
test('gateway --no-http – the console ring is not built (nothing recorded for a console no one can read)', () => {
  const base = ['--upstream', '127.0.0.1:9', '--listen', '0', '--no-transaction-log', '--reversal-journal', 'journal'];
  for (const off of [['--no-http'], ['--socketqueue']]) {
    const { config } = parseGatewayArgs([...base, ...off]);
    assert.equal(config.httpEnabled, false, off.join(' '));
    const ring = consoleRing(config);
    assert.equal(ring, undefined, off.join(' '));
    assert.equal(connectorTransactionLog(undefined, ring), false, off.join(' '));
  }
  // With HTTP on, the console reads it.
  assert.notEqual(consoleRing(parseGatewayArgs([...base, '--http', '0']).config), undefined);
});
