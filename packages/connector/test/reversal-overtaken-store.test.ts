// The second reversal a late approval calls for (reversal-overtaken.ts) is stored before the first reversal's end is
// recorded (the SAF queue's `followUp`): a node that dies between the two leaves either the first entry open (a later
// start repeats it) or both stored, never the approval standing. When that store fails (a full disk, a store away),
// the first entry does not end: it goes on as the second reversal, sent from memory at once, and ends only once that
// is answered. An approval that comes after the first reversal ended has nothing else to hold it: its reversal's store
// is tried again every retryInterval until it is durable. Real sockets and files; the add of the second reversal fails
// (helpers/write-faults.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import type { SafEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { answeredLines, journalLines, watchReversals } from './helpers/reversals.js';
import type { JournalLine } from './helpers/reversals.js';
import { writeFaults } from './helpers/write-faults.js';

/** A connector whose host holds the 0200, answers the 0400 `25` and then approves the 0200 late (600 of 1000). */
async function overtaken(t: Parameters<typeof tempDir>[0], dir: string, atRepeat: (lines: JournalLine[]) => void) {
  const { logger, lines, text } = capturedLogger('info');
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held = r;
      else if (mti === '0400') {
        p.send(r.socket, answer(r.message, { '39': '25' }));
        p.send(r.socket, answer((held as Received).message, { '4': '000000000600', '39': '10' }));
      } else {
        if (mti === '0401') atRepeat(journalLines(dir));
        p.send(r.socket, answer(r.message));
      }
    },
    // A retryInterval far longer than the test: whatever is sent again goes at once, not after a retry.
    { requestTimeout: 300, logger, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const reversals = watchReversals(connector);
  const repeatAnswered = eventWithin(10_000, 'the transaction was not reversed again within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(undefined);
    }),
  );
  const err = await failure(connector.request(purchase('071101')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  return { peer, connector, lines, text, reversals, repeatAnswered };
}

test('the second reversal of a late approval is journaled before the first reversal is marked done', async (t) => {
  const dir = tempDir(t, 'overtaken-store');
  let seen: JournalLine[] = [];
  const { reversals, repeatAnswered } = await overtaken(t, dir, (l) => (seen = l));
  await repeatAnswered;
  const adds = seen.filter((l) => l.op === 'add');
  assert.equal(adds.length, 2);
  const first = adds[0]?.id as string;
  const order = journalLines(dir).map((l) => `${l.op} ${l.id === first ? 'first' : 'second'}${l.outcome === undefined ? '' : ' ' + l.outcome}`);
  assert.ok(order.indexOf('add second') < order.indexOf('done first reversed'), `the add first: ${order.join(', ')}`);
  assert.deepEqual(answeredLines(reversals), ['0400 25', '0401 00']);
});

test('a second reversal that cannot be stored is sent from memory in place of the first, whose entry ends only once it is answered', async (t) => {
  const dir = tempDir(t, 'overtaken-store');
  const faults = await writeFaults(t, dir);
  // The add of the second reversal (the only journal line with a 0401 in it) fails.
  faults.rules.push({ marker: '"0":"0401"', fail: true });
  let atRepeat: JournalLine[] = [];
  const { peer, connector, lines, text, reversals, repeatAnswered } = await overtaken(t, dir, (l) => (atRepeat = l));
  await repeatAnswered;
  assert.equal(faults.rules.length, 0, 'the add was tried, and failed');
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0401']);
  const repeat = peer.received[2]?.message as IsoMessage;
  assert.equal(repeat['11'], '071101');
  assert.equal(repeat['4'], '000000000600', 'the amount the late approval moved');
  const adds = journalLines(dir).filter((l) => l.op === 'add');
  assert.equal(adds.length, 1, 'only the first reversal is in the journal');
  const first = adds[0]?.id as string;
  assert.ok(!atRepeat.some((l) => l.op === 'done' && l.id === first), 'the first entry is still open while its follow-up is in flight: a crash now repeats it');
  assert.deepEqual(journalLines(dir).filter((l) => l.op === 'done').map((l) => `${l.id === first ? 'first' : l.id} ${String(l.outcome)}`), ['first reversed']);
  assert.deepEqual(answeredLines(reversals), ['0401 00'], 'one entry, one outcome: the follow-up\'s');
  assert.equal(connector.stats().reversalsPending, 0);
  assert.equal(connector.stats().safDelivered, 1);
  const error = lines.find((l) => l.level === 50 && /late approval could not be stored/.test(String(l.msg)));
  assert.ok(error !== undefined, 'logged at error');
  assert.doesNotMatch(String(error.msg), /NOT reversed/);
  assert.match(String(error.msg), /a restart loses it/, 'says what a stop before its answer leaves');
  assert.equal(error.code, 'ISO8583_WARN_SAF_AGAIN_IN_MEMORY');
  assert.equal(error.cause, 'ISO8583_ERR_CONNECTOR_JOURNAL', 'the store\'s own code');
  assert.equal(error.stan, '071101');
  assert.ok(!text().includes('4111111111111111'), 'no PAN in the log');
});

test('the reversal of a late approval that comes after the first reversal ended, whose store fails, is stored again after retryInterval and sent', async (t) => {
  const dir = tempDir(t, 'overtaken-store');
  const faults = await writeFaults(t, dir);
  faults.rules.push({ marker: '"0":"0401"', fail: true });
  const { logger, lines } = capturedLogger('info');
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held = r;
      else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
      else p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, logger, reversal: { enabled: true, journalDir: dir, retryInterval: 200 } },
  );
  await connector.connect();
  const repeatAnswered = eventWithin(10_000, 'the transaction was not reversed again within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage !== 'answered') return;
      // The first reversal ended (its answer undid nothing): the host approves the original now, late.
      if (e.mti === '0400') peer.send((held as Received).socket, answer((held as Received).message, { '39': '00' }));
      if (e.mti === '0401') resolve(e);
    }),
  );
  const err = await failure(connector.request(purchase('071102')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await repeatAnswered;
  assert.equal(faults.rules.length, 0, 'the first store of it failed');
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0401']);
  assert.deepEqual(journalLines(dir).filter((l) => l.op === 'done').map((l) => String(l.outcome)), ['reversed', 'reversed']);
  const failed = lines.filter((l) => l.level === 50 && /late approval could not be stored/.test(String(l.msg)));
  assert.equal(failed.length, 1, 'logged once at error');
  assert.equal(failed[0]?.stan, '071102');
  assert.ok(lines.some((l) => l.level === 30 && /late approval is stored now/.test(String(l.msg))));
  assert.equal(connector.stats().reversalsPending, 0);
});

test('a second reversal sent from memory in place of the first is not expired by the first entry\'s expireAfter that passed while its attempt was in flight', async (t) => {
  const dir = tempDir(t, 'overtaken-store');
  const faults = await writeFaults(t, dir);
  faults.rules.push({ marker: '"0":"0401"', fail: true });
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held = r;
      else if (mti === '0400') {
        // The first reversal's answer (and the late approval) come 1050 ms after the 0400 arrived: past the entry's
        // expireAfter (1000 ms from its journaling, before the 0200 left) however slow the machine, within the
        // attempt's wait (requestTimeout 5000).
        setTimeout(() => {
          p.send(r.socket, answer(r.message, { '39': '25' }));
          p.send(r.socket, answer((held as Received).message, { '4': '000000000600', '39': '10' }));
        }, 1050);
      } else p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 5000, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 }, saf: { expireAfter: 1000 } },
  );
  await connector.connect();
  const ended = eventWithin<SafEvent>(10_000, 'the entry did not end within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' || e.stage === 'expired' || e.stage === 'abandoned') resolve(e);
    }),
  );
  const err = await failure(connector.request(purchase('071103'), { timeout: 300 }));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const end = await ended;
  assert.equal(faults.rules.length, 0, 'the add of the second reversal was tried, and failed');
  assert.equal(end.stage, 'answered', 'the follow-up was sent and answered, not expired unsent');
  assert.equal(end.mti, '0401');
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0401']);
});
