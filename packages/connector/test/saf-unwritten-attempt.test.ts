// A SAF attempt counts toward `maxAttempts` only when it may have reached the bank: one the channel refused before
// writing a byte (here `DUPLICATE_KEY`: the caller's own 0400 of the same STAN and terminal in flight on the one
// connection) is not counted, whatever its code, and the next goes under the same number and MTI. Counted, a reversal
// was given up at `maxAttempts` (money left unreversed) while the bank never saw it. One the codec refuses (it can never
// be packed) is given up at once instead of being tried for ever. Real socket, real file journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { SafEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import { journalLines } from './helpers/reversals.js';

test('saf – a reversal attempt refused unwritten (DUPLICATE_KEY) is not counted: maxAttempts 1 does not give it up unsent', async (t) => {
  const dir = tempDir(t, 'saf-unwritten');
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['0'] === '0200') return; // never answered: its reversal is queued
      if (r.message['0'] === '0400' && held === undefined) {
        held = r; // the caller's own 0400, answered when the test says
        return;
      }
      p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 200, reversal: { enabled: true, journalDir: dir }, saf: { retryInterval: 50, maxAttempts: 1 }, transactionLog: false },
  );
  await connector.connect();
  const events: SafEvent[] = [];
  let refusedUnwritten!: () => void;
  const refused = new Promise<void>((resolve) => (refusedUnwritten = resolve));
  let reversed!: (e: SafEvent) => void;
  const ended = new Promise<SafEvent>((resolve, reject) => {
    reversed = resolve;
    connector.on('saf', (e: SafEvent) => {
      events.push(e);
      if (e.stage === 'abandoned' || e.stage === 'expired') reject(new Error(`the reversal was ${e.stage} after attempt ${e.attempt} while the bank never saw it`));
      if (e.stage === 'waiting' && e.code === 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY') refusedUnwritten();
    });
  });
  ended.catch(() => undefined); // awaited below; a rejection before then is not unhandled

  const { '35': _track, ...card } = purchase('007101');
  const own = connector.request({ ...card, '0': '0400' }, { timeout: 20_000 });
  await peer.waitFor(1);
  await assert.rejects(connector.request(purchase('007101')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  // Its attempts are refused before the write while the caller's 0400 is in flight: none is counted.
  await within(Promise.race([refused, ended]), 10_000, 'an attempt of the reversal refused unwritten (DUPLICATE_KEY)');
  connector.on('saf', (e: SafEvent) => {
    if (e.stage === 'answered') reversed(e);
  });
  peer.send((held as Received).socket, answer((held as Received).message));
  assert.equal((await own)['39'], '00');
  const answeredEvent = await within(ended, 10_000, 'the reversal answered once an attempt of it is written');
  assert.equal(answeredEvent.attempt, 1, 'answered at its first attempt that was written');
  assert.equal(answeredEvent.mti, '0400', 'a first (0400), not a repeat: no attempt of it had left');
  const reversals = peer.received.filter((r) => String(r.message['0']).startsWith('040')).map((r) => String(r.message['0']));
  assert.deepEqual(reversals, ['0400', '0400'], "the caller's 0400, then the reversal's one written attempt");
  assert.ok(events.filter((e) => e.stage === 'waiting').every((e) => e.attempt === 1), 'every refused attempt left its number unspent');
  assert.equal(journalLines(dir).at(-1)?.op, 'done');
});

test('saf – an entry the codec cannot pack is parked at its first attempt (ISO8583_WARN_SAF_UNSENDABLE): not tried for ever, not ended, sent by a start whose dialect packs it', async (t) => {
  const dir = tempDir(t, 'saf-unpackable');
  // An entry a store holds that this dialect refuses to pack (field 4 is n 12: letters in it), as one read back after
  // a wrong dialect was deployed, or left by a node with another dialect.
  const journal = new FileJournal(dir);
  await journal.open();
  await journal.add({ id: 'unpackable', reversal: { '0': '0400', '3': '000000', '4': '0000000012AB', '11': '007102', '41': 'TERM0001' }, at: Date.now() });
  await journal.close();
  let onRefusal: () => void = () => undefined;
  const { logger, lines, text } = capturedLogger('info', (l) => {
    if (l.code === 'ISO8583_WARN_SAF_UNSENDABLE') onRefusal();
  });
  // maxAttempts 0 (the default): nothing but the refusal itself stops it.
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    logger,
    requestTimeout: 2000,
    reversal: { enabled: true, journalDir: dir },
    saf: { retryInterval: 20 },
    transactionLog: false,
  });
  const events: SafEvent[] = [];
  const refused = new Promise<void>((resolve) => {
    connector.on('saf', (e: SafEvent) => {
      events.push(e);
      if (e.stage === 'abandoned' || e.stage === 'expired') resolve();
    });
    onRefusal = resolve;
  });
  await connector.connect();
  await within(refused, 10_000, 'the unpackable entry refused');
  // Parked: no timer will try it again (nothing more can happen to it in this process), though it is pending.
  assert.equal(connector.safNextDue(), Infinity, 'no next attempt');
  assert.deepEqual(events.filter((e) => e.stage === 'sent'), [], 'no attempt written');
  assert.deepEqual(events.filter((e) => e.stage === 'abandoned' || e.stage === 'expired'), [], 'not given up: it is owed');
  assert.deepEqual(journalLines(dir).filter((l) => l.op === 'done'), [], 'not ended in the journal');
  assert.equal(peer.received.length, 0, 'nothing reached the bank');
  assert.equal(connector.stats().safAbandoned, 0);
  assert.equal(connector.stats().reversalsPending, 1, 'counted as pending');
  const line = lines.find((l) => l.code === 'ISO8583_WARN_SAF_UNSENDABLE');
  assert.equal(line?.level, 50, 'logged at error');
  assert.equal(line?.stan, '007102');
  assert.equal(line?.terminal, 'TERM0001');
  assert.equal(line?.cause, 'ISO8583_ERR_INVALID_MESSAGE');
  assert.deepEqual(line?.fields, ['4']);
  assert.ok(!text().includes('12AB'), 'no field value in the log');
  assert.equal(lines.filter((l) => /will repeat/.test(String(l.msg))).length, 0, 'no repeat announced');
});
