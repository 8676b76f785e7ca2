// A SAF backlog repeated to a host that is down wrote one "will repeat" warning per entry per retry (6000 entries and
// a 10 s retry: ~1.8 MB of log every 10 s). The warnings are capped per kind (SAF_REPEAT_WARNINGS_PER_SECOND, the
// inbound endpoint's LogLimit): the lines left out are counted in the next one written (`suppressed`), and every
// attempt is still an event. Real sockets (a port nothing listens on, reserved for the test), a real file journal, pino to a stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { SAF_REPEAT_WARNINGS_PER_SECOND } from '../src/saf-queue.js';
import { advice } from './helpers/reversals.js';
import { capturedLogger, connectorFor, downPort, safEventSpan, tempDir } from './helpers/setup.js';

const ENTRIES = 120;

test('saf – a backlog to a host that is down writes a bounded number of "will repeat" warnings, each attempt still an event', async (t) => {
  const port = await downPort(t); // nothing listens: every connect is refused
  const { logger, lines } = capturedLogger('warn');
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port,
    requestTimeout: 2_000,
    reconnect: { initialDelay: 10, maxDelay: 20 },
    logger,
    saf: { enabled: true, journalDir: tempDir(t, 'saf-repeat-warnings'), initialDelay: 60_000, retryInterval: 60_000 },
    transactionLog: false,
  });
  connector.connect().catch(() => undefined);
  await connector.started();
  for (let i = 0; i < ENTRIES; i++) await connector.request(advice(String(100_000 + i)), { saf: true });
  const all = safEventSpan(connector, 'waiting', ENTRIES);
  // Every entry's first attempt now, to the host that is down: each fails and waits for its retry (60 s away).
  assert.equal(connector.flushSaf(), ENTRIES);
  const { first, last } = await within(all, 30_000, `a "waiting" event for each of the ${ENTRIES} entries`);
  const repeats = lines.filter((l) => l.msg === 'SAF entry not answered: will repeat');
  const kinds = new Set(repeats.map((l) => l.code)).size;
  // At most SAF_REPEAT_WARNINGS_PER_SECOND a second for each error code, over the seconds the failures spanned. The
  // cap opens its windows at its takes, not at these events, but each take is followed in the same turn by its
  // entry's "waiting" event: every take after the first falls between `first` and `last`, and the first one's window
  // holds only its own line until the second take, so even a stall between a take and its event (1.2 s, tried) stays
  // within the bound.
  const windows = Math.ceil((last - first) / 1_000) + 1;
  assert.ok(repeats.length >= 1, 'the first failure is logged');
  assert.ok(
    repeats.length <= kinds * SAF_REPEAT_WARNINGS_PER_SECOND * windows && repeats.length < ENTRIES,
    `${repeats.length} "will repeat" warnings for ${ENTRIES} failures (${kinds} codes over ${windows} s windows)`,
  );
  // A line written after some were left out says how many: together they never count more than the failures.
  const told = repeats.reduce((n, l) => n + 1 + (typeof l.suppressed === 'number' ? l.suppressed : 0), 0);
  assert.ok(told <= ENTRIES, `the lines account for ${told} of ${ENTRIES} failures, no more`);
});
