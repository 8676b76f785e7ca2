// A late answer ends an SAF attempt only when it is that attempt's answer: its MTI the response MTI of the attempt's
// (saf-late.ts). With a `matchKey` that leaves out field 0 (["11", "41"], which the options accept), the late 0210
// approval of a timed-out 0200 has the key of its reversal's timed-out 0400 attempt: it was taken as the reversal's
// answer, ended the entry `answered` (00) and the bank kept an approval nothing reversed. Now it is a late response
// only, and the reversal stays owed (open in the journal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReversalEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { journalLines } from './helpers/reversals.js';
import { eventWithin } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';

test('a late 0210 approval under the key of its reversal\'s timed-out 0400 does not end the reversal', async (t) => {
  const dir = tempDir(t, 'saf-late-mti');
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r) => {
      if (r.message['0'] === '0200') held = r; // the 0400 goes unanswered too
    },
    { requestTimeout: 300, matchKey: ['11', '41'], reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const events: ReversalEvent[] = [];
  connector.on('reversal', (e: ReversalEvent) => {
    events.push(e);
    // The 0400 timed out and waits for its repeat: the 0200's approval comes now.
    if (e.stage === 'waiting' && held !== undefined) peer.send(held.socket, answer(held.message));
  });
  const late = eventWithin<IsoMessage>(10_000, 'the 0210 was not reported as a late response within 10 s', (resolve) =>
    connector.on('late-response', (m: IsoMessage) => resolve(m)),
  );
  const err = await failure(connector.request(purchase('071201')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const m = await late;
  assert.equal(m['0'], '0210');
  await connector.close(); // waits for an answer being handled
  assert.deepEqual(events.map((e) => e.stage).filter((s) => s === 'answered'), [], 'the 0210 is not the 0400\'s answer');
  const id = journalLines(dir).find((l) => l.op === 'add')?.id;
  assert.equal(journalLines(dir).some((l) => l.op === 'done' && l.id === id), false, 'the reversal is still owed');
});
