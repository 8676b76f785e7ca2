// A gateway with HTTP off (`--no-http`: the first upstream's connector made without the HTTP app, clients.ts) reverses
// the approvals its POS client never got as the one with HTTP on does: a stop past its deadline with a terminal slow to
// read stores each reversal in the journal before the links go, never "NOT reversed" (the connector alone is closed
// only once the stop's reversals have settled). Real parts: the gateway in this process, a bank on 127.0.0.1, a raw
// terminal socket that never reads, the real journal folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { slowReaderGateway } from './helpers/slow-reader-gateway.js';

test('gateway --no-http stop past its deadline – the approvals a slow terminal never got are reversed (stored), never "NOT reversed"', async (t) => {
  const { gateway, firstOutcome, fillTerminal, stopping, assertReversed } = await slowReaderGateway(t, 'iso8583-gw-no-http-reversal-', ['--no-http']);
  assert.equal(gateway.addresses.http, undefined);
  await fillTerminal();
  stopping();
  const stopped = await within(gateway.close(300).then(() => undefined, (err: unknown) => err), 10_000, 'the stop did not end');
  await within(firstOutcome, 10_000, 'no approval was reported undelivered');
  assert.equal((stopped as { code?: unknown } | undefined)?.code, undefined, `the stop failed: ${String(stopped)}`);
  assertReversed();
});
