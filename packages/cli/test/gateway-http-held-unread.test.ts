// A client pipelines purchases on one HTTP connection and reads none of their answers; the held-back budget
// (`--http-max-held-back 1`) closes it once all its answers at the routes are made. Every approval the bank gave is then either read
// by the closed client or reversed (logged "could not be delivered"): the budget's close closes the connection as a
// lingering close (its input read and thrown away, its side ended), not with a reset, which made the system throw away
// every answer handed to it and not yet read, each counted delivered (an approval neither delivered nor reversed).
// The real gateway binary, a real bank endpoint, raw client sockets on 127.0.0.1.
import { test } from 'node:test';
import { waitUntil } from '@iso8583/test-support';
import { unreadFlood } from './helpers/unread-flood.js';

test('gateway HTTP – a client closed over --http-max-held-back with answers it has not read gets them all, or they are reversed', { timeout: 120_000 }, async (t) => {
  await unreadFlood(t, 'iso8583-held-unread-', ['--http-max-held-back', '1'], (ports) =>
    // Closed once its requests at the routes are all answered (those beyond the routes' 32 held back, over the budget).
    waitUntil(() => /ISO8583_ERR_CONSOLE_HELD_BACK/.test(ports.stderr()), { what: 'the budget to close the connection that reads nothing', timeoutMs: 60_000 }),
  );
});
