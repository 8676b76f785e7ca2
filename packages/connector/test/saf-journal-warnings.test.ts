// A SAF backlog whose journal cannot record its attempts (its folder removed: a full disk or a dead store alike) wrote
// one "cannot be journaled" line per entry (per retry, for a store out of reach): thousands of entries, megabytes of
// log. Those lines are capped per code and journal state (SAF_REPEAT_WARNINGS_PER_SECOND): the lines left out are
// counted in the next one written (`suppressed`), and every attempt is still an event. Real sockets (a port nothing
// listens on), a real file journal, pino to a stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { within } from '@iso8583/test-support';
import { SAF_REPEAT_WARNINGS_PER_SECOND } from '../src/saf-queue.js';
import { advice } from './helpers/reversals.js';
import { capturedLogger, connectorFor, downPort, safEventSpan, tempDir } from './helpers/setup.js';

const ENTRIES = 120;

test('saf – a backlog whose journal is gone writes a bounded number of "cannot be journaled" lines, each attempt still an event', async (t) => {
  const port = await downPort(t); // nothing listens: every attempt fails and waits for its retry
  const dir = tempDir(t, 'saf-journal-warnings');
  const { logger, lines } = capturedLogger('warn');
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port,
    requestTimeout: 2_000,
    reconnect: { initialDelay: 10, maxDelay: 20 },
    logger,
    saf: { enabled: true, journalDir: dir, initialDelay: 60_000, retryInterval: 60_000 },
    transactionLog: false,
  });
  connector.connect().catch(() => undefined);
  await connector.started();
  for (let i = 0; i < ENTRIES; i++) await connector.request(advice(String(200_000 + i)), { saf: true });
  rmSync(dir, { recursive: true, force: true });
  const all = safEventSpan(connector, 'waiting', ENTRIES);
  assert.equal(connector.flushSaf(), ENTRIES);
  const { first, last } = await within(all, 30_000, `a "waiting" event for each of the ${ENTRIES} entries`);
  const unjournaled = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('a SAF attempt cannot be journaled'));
  const kinds = new Set(unjournaled.map((l) => `${String(l.code)} ${String(l.journal)}`)).size;
  const windows = Math.ceil((last - first) / 1_000) + 1;
  assert.ok(unjournaled.length >= 1, 'the first is logged');
  assert.equal(unjournaled[0]?.level, 50, 'at error');
  assert.ok(
    unjournaled.length <= kinds * SAF_REPEAT_WARNINGS_PER_SECOND * windows && unjournaled.length < ENTRIES,
    `${unjournaled.length} "cannot be journaled" lines for ${ENTRIES} entries (${kinds} kinds over ${windows} s windows)`,
  );
  const told = unjournaled.reduce((n, l) => n + 1 + (typeof l.suppressed === 'number' ? l.suppressed : 0), 0);
  assert.ok(told <= ENTRIES, `the lines account for ${told} of ${ENTRIES} entries, no more`);
});
