// A SAF entry answered while the file journal cannot record its end: the host's answer settles the money, only the
// record of it failed. The entry ends in memory at once (`answered` emitted, counted, written to the transaction log),
// logged once at error with what the next start does, and its `done` is not tried again while the journal is stopped
// for good. Real files (the journal's folder removed, its lock removed), a real socket peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { FileJournal, FileTransactionLog } from '../src/index.js';
import type { SafEvent } from '../src/index.js';
import { purchase } from './peer.js';
import { heldAtHost } from './helpers/held-at-host.js';
import { advice } from './helpers/reversals.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

const NOT_JOURNALED = 'the end of a SAF entry cannot be journaled';
const RETRIED = 'cannot mark a SAF entry done in the journal';

test('journal folder removed: an answered reversal ends in memory (answered, counted, in the transaction log), logged once that the next start does not know of it', async (t) => {
  const dir = tempDir(t, 'saf-end-removed');
  const log = new FileTransactionLog(tempDir(t, 'saf-end-removed-log'));
  t.after(() => log.close());
  const { logger, lines } = capturedLogger('info');
  const journal = new FileJournal(dir, { logger });
  const { peer, connector, atHost, answerHeld } = await heldAtHost(t, (m) => m['0'] === '0200', { reversal: { enabled: true, journal }, logger, saf: { retryInterval: 60_000 }, transactionLog: log });
  const answered = new Promise<SafEvent>((resolve) => connector.on('saf', (e) => e.stage === 'answered' && resolve(e)));
  const outcome = connector.request(purchase('009201'));
  await atHost;
  rmSync(dir, { recursive: true, force: true });
  answerHeld();
  await assert.rejects(outcome, { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });

  const event = await within(answered, 10_000, 'the reversal to be answered');
  assert.equal(event.stan, '009201');
  assert.equal(event.responseCode, '00');
  assert.equal(connector.stats().safDelivered, 1);
  assert.equal(connector.stats().safDepth, 0);
  await connector.close();
  assert.equal(connector.stats().safUnrecorded, 0, 'the journal lost its records: nothing left to send again');

  const ends = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith(NOT_JOURNALED));
  assert.equal(ends.length, 1, 'logged once');
  assert.equal(ends[0]?.level, 50);
  assert.equal(ends[0]?.journal, 'gone');
  assert.equal(ends[0]?.outcome, 'reversed');
  assert.equal(ends[0]?.stan, '009201');
  assert.match(String(ends[0]?.msg), /the next start does not know of it/);
  assert.ok(!lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith(RETRIED)), 'not tried again: the journal is gone');
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400'], 'sent once');

  const records = (await log.query({})).filter((r) => r.mti.startsWith('04'));
  assert.deepEqual(records.map((r) => `${r.mti}/${r.stan}/${r.outcome}/${r.responseCode ?? ''}`), ['0400/009201/reversed/00']);
});

test('journal stopped with its file kept (its lock removed): an answered advice ends in memory, logged once that the next start sends it again, and it does', async (t) => {
  const dir = tempDir(t, 'saf-end-stopped');
  const { logger, lines } = capturedLogger('info');
  const journal = new FileJournal(dir, { logger });
  const { connector, atHost, answerHeld } = await heldAtHost(t, (m) => m['11'] === '009301', { reversal: { enabled: true, journal }, logger, saf: { initialDelay: 0, retryInterval: 60_000 }, transactionLog: false });
  const answered = new Promise<SafEvent>((resolve) => connector.on('saf', (e) => e.stage === 'answered' && resolve(e)));
  await connector.request(advice('009301'), { saf: true });
  await atHost;
  // The lock gone, the next record the journal writes stops it (that record, in the file the next start reads, is
  // acknowledged): its file and the records in it stay.
  rmSync(join(dir, 'reversals.lock'), { force: true });
  await journal.add({ id: 'written-then-stopped', at: 1, reversal: { '0': '0220', '11': '009399' } });
  await assert.rejects(connector.request(advice('009302'), { saf: true }), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.notEqual(journal.halted(), undefined);
  assert.equal(journal.halted()?.recordsLost, false);
  answerHeld();

  const event = await within(answered, 10_000, 'the advice to be answered');
  assert.equal(event.stan, '009301');
  assert.equal(connector.stats().safDelivered, 1);
  assert.equal(connector.stats().safDepth, 0, 'ended (in memory)');
  await connector.close();
  assert.equal(connector.stats().safUnrecorded, 1, 'what the stop reports: ended, not recorded, still open in the file');
  const ends = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith(NOT_JOURNALED));
  assert.equal(ends.length, 1);
  assert.equal(ends[0]?.journal, 'stopped');
  assert.equal(ends[0]?.outcome, 'delivered');
  assert.match(String(ends[0]?.msg), /the next start sends it again/);

  // What the log line promised: the entry is still open on disk, with the attempt that was answered.
  const again = new FileJournal(dir, { logger });
  t.after(() => again.close());
  const open = await again.open();
  const entry = open.find((e) => e.reversal['11'] === '009301');
  assert.equal(entry?.kind, 'advice');
  assert.equal(entry?.attempts, 1);
});
