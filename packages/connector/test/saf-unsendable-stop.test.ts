// An entry the codec cannot pack with this process's dialect (a reversal owed from an earlier run, another dialect
// deployed since) is parked: an attempt the codec refused never reached the bank, so it is not counted, and the stop's
// send (what a graceful stop asks: `flushSaf`) does not try it again. Before, the refused attempt counted and the stop
// tried it again, past `maxAttempts`: abandoned, its journal record ended, and the bank never got the reversal. A start
// whose dialect packs it sends it once. Real sockets, real file journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { SafEvent } from '../src/index.js';
import { answer } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import { journalLines } from './helpers/reversals.js';

/** A 1987 reversal the ISO 8583:1993 dialect refuses to pack (field 90 is n 42 in 1987, n 10 in 1993). */
const OWED = { '0': '0400', '3': '000000', '4': '000000001200', '11': '007104', '41': 'TERM0001', '90': '0200' + '007104' + '1121103000' + '0'.repeat(22) };

test('saf – an unsendable entry (ISO8583_WARN_SAF_UNSENDABLE) is not counted nor tried again by the stop: kept past maxAttempts, sent once by a start whose dialect packs it', async (t) => {
  const dir = tempDir(t, 'saf-unsendable-stop');
  // Owed from an earlier run: attempt 1 sent to a bank that never answered.
  const journal = new FileJournal(dir);
  await journal.open();
  await journal.add({ id: 'owed', reversal: OWED, at: Date.now() });
  await journal.attempt('owed', 1);
  await journal.close();

  let onRefusal: () => void = () => undefined;
  const first = capturedLogger('info', (l) => {
    if (l.code === 'ISO8583_WARN_SAF_UNSENDABLE') onRefusal();
  });
  const wrong = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    logger: first.logger,
    dialect: 'iso93ascii',
    requestTimeout: 2000,
    reversal: { enabled: true, journalDir: dir, maxAttempts: 2 },
    saf: { retryInterval: 20 },
    transactionLog: false,
  }, { dialect: 'iso93ascii' });
  const events: SafEvent[] = [];
  wrong.connector.on('saf', (e: SafEvent) => events.push(e));
  const refused = new Promise<void>((resolve) => {
    onRefusal = resolve;
  });
  await wrong.connector.connect();
  await within(refused, 10_000, 'the entry refused by the codec');
  // What a graceful stop does: send every entry waiting at once, then close.
  const flushed = wrong.connector.flushSaf();
  await wrong.connector.close();
  assert.deepEqual(events.filter((e) => e.stage === 'abandoned' || e.stage === 'expired'), [], 'not given up');
  assert.equal(first.lines.filter((l) => l.code === 'ISO8583_WARN_SAF_ABANDONED').length, 0, 'no ABANDONED line');
  assert.equal(first.lines.filter((l) => l.code === 'ISO8583_WARN_SAF_UNSENDABLE').length, 1, 'refused once');
  assert.equal(flushed, 0, 'the parked entry is not tried again by the stop');
  assert.equal(wrong.peer.received.length, 0, 'nothing reached the bank');
  const kept = journalLines(dir);
  assert.deepEqual(kept.filter((l) => l.op === 'done'), [], 'still owed in the journal');
  assert.ok(kept.every((l) => l.op !== 'attempt' || Number(l.attempt) <= 2), 'no attempt journaled past the one refused');

  // A start whose dialect packs it: sent once, as a repeat (an earlier run's attempt may have reached the bank).
  const right = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    requestTimeout: 2000,
    reversal: { enabled: true, journalDir: dir, maxAttempts: 2 },
    saf: { retryInterval: 5000 },
    transactionLog: false,
  });
  const answered = new Promise<SafEvent>((resolve, reject) => {
    right.connector.on('saf', (e: SafEvent) => {
      if (e.stage === 'answered') resolve(e);
      if (e.stage === 'abandoned' || e.stage === 'expired') reject(new Error(`given up: ${e.stage}`));
    });
  });
  await right.connector.connect();
  await within(answered, 10_000, 'the owed reversal answered');
  assert.deepEqual(right.peer.received.map((r) => [r.message['0'], r.message['11']]), [['0401', '007104']], 'sent once');
  assert.equal(journalLines(dir).at(-1)?.op, 'done');
});
