// A SAF backlog answered while its journal cannot record the ends (its folder removed: a full disk alike) wrote one
// "the end of a SAF entry cannot be journaled" line per entry: thousands of entries, thousands of lines. Those lines
// are capped like the queue's other "cannot be journaled" lines (SAF_REPEAT_WARNINGS_PER_SECOND per code and journal
// state): the lines left out are counted in the next one written (`suppressed`), and every end is still an event.
// Real sockets, a real file journal (its folder removed), pino to a stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { within } from '@iso8583/test-support';
import { SAF_REPEAT_WARNINGS_PER_SECOND } from '../src/saf-queue.js';
import { answer } from './peer.js';
import { advice } from './helpers/reversals.js';
import { capturedLogger, peerAndConnector, safEventSpan, tempDir } from './helpers/setup.js';

const ENTRIES = 120;
const NOT_JOURNALED = 'the end of a SAF entry cannot be journaled';

test('saf – a backlog answered while its journal is gone writes a bounded number of "end cannot be journaled" lines, each end still an event', async (t) => {
  const dir = tempDir(t, 'saf-end-journal-warnings');
  const { logger, lines } = capturedLogger('warn');
  // The peer holds every advice until the journal's folder is gone.
  const { peer, connector } = await peerAndConnector(t, () => undefined, {
    requestTimeout: 60_000,
    logger,
    saf: { enabled: true, journalDir: dir, initialDelay: 60_000, retryInterval: 60_000, maxInFlight: ENTRIES },
    transactionLog: false,
  });
  await connector.connect();
  for (let i = 0; i < ENTRIES; i++) await connector.request(advice(String(300_000 + i)), { saf: true });
  const all = safEventSpan(connector, 'answered', ENTRIES);
  assert.equal(connector.flushSaf(), ENTRIES);
  const held = await peer.waitFor(ENTRIES, 30_000);
  rmSync(dir, { recursive: true, force: true });
  for (const r of held) peer.send(r.socket, answer(r.message));
  const { first, last } = await within(all, 30_000, `an "answered" event for each of the ${ENTRIES} entries`);
  assert.equal(connector.stats().safDelivered, ENTRIES, 'every end counted');

  const ends = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith(NOT_JOURNALED));
  const kinds = new Set(ends.map((l) => `${String(l.code)} ${String(l.journal)}`)).size;
  const windows = Math.ceil((last - first) / 1_000) + 1;
  assert.ok(ends.length >= 1, 'the first is logged');
  assert.equal(ends[0]?.level, 50, 'at error');
  assert.ok(
    ends.length <= kinds * SAF_REPEAT_WARNINGS_PER_SECOND * windows && ends.length < ENTRIES,
    `${ends.length} "end cannot be journaled" lines for ${ENTRIES} entries (${kinds} kinds over ${windows} s windows)`,
  );
  const told = ends.reduce((n, l) => n + 1 + (typeof l.suppressed === 'number' ? l.suppressed : 0), 0);
  assert.ok(told <= ENTRIES, `the lines account for ${told} of ${ENTRIES} entries, no more`);
});
