// A SAF backlog whose journal cannot record its attempts (its folder removed: a full disk or a dead store alike) wrote
// one "cannot be journaled" line per entry (per retry, for a store out of reach): thousands of entries, megabytes of
// log. Those lines are capped per code and journal state (SAF_REPEAT_WARNINGS_PER_SECOND): the lines left out are
// counted in the next one written (`suppressed`), and every attempt is still an event. Real sockets (a port nothing
// listens on), a real file journal, pino to a stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { SAF_REPEAT_WARNINGS_PER_SECOND } from '../src/saf-queue.js';
import { accountedFor, backlogToDownHost, firstAttempts } from './helpers/saf-backlog.js';

const ENTRIES = 120;

test('saf – a backlog whose journal is gone writes a bounded number of "cannot be journaled" lines, each attempt still an event', async (t) => {
  const { dir, lines, connector } = await backlogToDownHost(t, 'saf-journal-warnings', ENTRIES, 200_000);
  rmSync(dir, { recursive: true, force: true });
  const { first, last } = await firstAttempts(connector, ENTRIES);
  const unjournaled = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('a SAF attempt cannot be journaled'));
  const kinds = new Set(unjournaled.map((l) => `${String(l.code)} ${String(l.journal)}`)).size;
  const windows = Math.ceil((last - first) / 1_000) + 1;
  assert.ok(unjournaled.length >= 1, 'the first is logged');
  assert.equal(unjournaled[0]?.level, 50, 'at error');
  assert.ok(
    unjournaled.length <= kinds * SAF_REPEAT_WARNINGS_PER_SECOND * windows && unjournaled.length < ENTRIES,
    `${unjournaled.length} "cannot be journaled" lines for ${ENTRIES} entries (${kinds} kinds over ${windows} s windows)`,
  );
  const told = accountedFor(unjournaled);
  assert.ok(told <= ENTRIES, `the lines account for ${told} of ${ENTRIES} entries, no more`);
});
