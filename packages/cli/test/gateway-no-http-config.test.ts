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
