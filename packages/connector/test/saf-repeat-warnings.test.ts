// A SAF backlog repeated to a host that is down wrote one "will repeat" warning per entry per retry (6000 entries and
// a 10 s retry: ~1.8 MB of log every 10 s). The warnings are capped per kind (SAF_REPEAT_WARNINGS_PER_SECOND, the
// inbound endpoint's LogLimit): the lines left out are counted in the next one written (`suppressed`), and every
// attempt is still an event. Real sockets (a port nothing listens on, reserved for the test), a real file journal, pino to a stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAF_REPEAT_WARNINGS_PER_SECOND } from '../src/saf-queue.js';
import { accountedFor, backlogToDownHost, firstAttempts } from './helpers/saf-backlog.js';

const ENTRIES = 120;

test('saf – a backlog to a host that is down writes a bounded number of "will repeat" warnings, each attempt still an event', async (t) => {
  const { lines, connector } = await backlogToDownHost(t, 'saf-repeat-warnings', ENTRIES, 100_000);
  // Every entry's first attempt now, to the host that is down: each fails and waits for its retry (60 s away).
  const { first, last } = await firstAttempts(connector, ENTRIES);
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
  const told = accountedFor(repeats);
  assert.ok(told <= ENTRIES, `the lines account for ${told} of ${ENTRIES} failures, no more`);
});
