// `iso8583 gateway --log-file` on a full disk (here /dev/full: ENOSPC): its log lines are lost, never its stop nor its
// exit. Before, the log file's error listener wrote to stderr plainly (a standard error full too threw, uncaught,
// and the process hung in pino's exit hook), and pino's exit hook flushed the failing file synchronously, which
// SonicBoom retries for ever: `gateway stopped` was printed and the process never exited. The real binary, real
// sockets, a real /dev/full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { stoppedWithFullDevice } from './helpers/full-device-gateway.js';

for (const stderr of ['pipe', '/dev/full'] as const) {
  test(`gateway --log-file /dev/full, stderr ${stderr}: SIGTERM gives "gateway stopped" and exit 0`, async (t) => {
    const run = await stoppedWithFullDevice(t, 'log-full', ['--log-file', '/dev/full'], stderr);
    if (run === undefined) return;
    const { code, stdout, stderr: errors, dir } = run;
    assert.match(stdout, /gateway stopped\n$/);
    assert.equal(code, 0);
    if (stderr === 'pipe') assert.match(errors, /^iso8583: log file \/dev\/full cannot be written: ENOSPC/);
    assert.deepEqual(readdirSync(dir).sort(), ['reversals.jsonl', 'upstream.json'], 'closed in order: the journal lock released (the upstream marker stays)');
  });
}
