// `iso8583 gateway` whose log goes to a standard error that cannot be written (here /dev/full: ENOSPC): its log lines
// are lost, never its stop. A failed log write threw at the code that logged before: a log call inside the gateway's
// close made the close fail half done ("gateway aborted"), and the flush of the log at the end then retried for ever,
// holding the process. The real binary, real sockets, a real /dev/full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { stoppedWithFullDevice } from './helpers/full-device-gateway.js';

test('gateway with an unwritable standard error stops in order on SIGTERM: "gateway stopped", exit 0', async (t) => {
  const run = await stoppedWithFullDevice(t, 'stderr-full', [], '/dev/full');
  if (run === undefined) return;
  const { code, stdout, dir } = run;
  assert.match(stdout, /gateway stopped\n$/, 'a stop in order, not an abort');
  assert.equal(code, 0);
  assert.deepEqual(readdirSync(dir).sort(), ['reversals.jsonl', 'upstream.json'], 'closed in order: the journal lock released (the upstream marker stays)');
});
