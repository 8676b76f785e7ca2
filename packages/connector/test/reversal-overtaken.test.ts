// A reversal that overtook its original at the host is answered `25` (original not found) and ends; the host then
// approves the original, whose answer comes late (its request timed out). The money is taken: the connector reverses
// the transaction again, as a repeat (0401), logged at warn, with the amount the approval moved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { answeredLines, journalLines, watchReversals } from './helpers/reversals.js';
import { OvertakenReversals } from '../src/reversal-overtaken.js';
import { ReversalPlan } from '../src/reversal-message.js';

test('a late approval after its reversal was answered 25 is reversed again as a 0401, for the amount approved', async (t) => {
  const dir = tempDir(t, 'overtaken');
  const { logger, lines, text } = capturedLogger('info');
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held = r; // approved only after the reversal overtook it
      else if (mti === '0400') {
        p.send(r.socket, answer(r.message, { '39': '25' }));
        // The original reaches the host now: approved for part of the amount, answered late.
        p.send(r.socket, answer((held as Received).message, { '4': '000000000600', '39': '10' }));
      } else p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, logger, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const watch = watchReversals(connector, 'queued');
  const again = eventWithin(10_000, 'the transaction was not reversed again within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(undefined);
    }),
  );
  const err = await failure(connector.request(purchase('071001')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await watch.reached;
  await again;
  assert.deepEqual(answeredLines(watch), ['0400 25', '0401 00']);
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0401']);
  const repeat = peer.received[2]?.message as IsoMessage;
  assert.equal(repeat['11'], '071001');
  assert.equal(repeat['4'], '000000000600', 'the amount the late approval moved');
  assert.equal(connector.stats().reversalsPending, 0);
  const warn = lines.find((l) => l.level === 40 && /late approval/.test(String(l.msg)));
  assert.ok(warn !== undefined, 'logged at warn');
  assert.equal(warn.responseCode, '25');
  assert.ok(!text().includes('4111111111111111'), 'no PAN in the log');
  assert.equal(journalLines(dir).filter((l) => l.op === 'add').length, 2, 'the original\'s reversal and the new one, journaled');
});

test('OvertakenReversals: only an approval of a reversible request whose reversal ended undoing nothing calls for another, once', () => {
  const dialect = getDialect('iso87ascii');
  const reversal = { '0': '0400', '4': '000000001000', '11': '000042', '41': 'TERM0001' };
  const late = { '0': '0210', '11': '42', '41': 'TERM0001', '39': '00' };
  const undone = new OvertakenReversals(dialect);
  undone.answered(reversal, { '0': '0410', '39': '00' });
  assert.equal(undone.again(late), undefined, 'undone: nothing');
  const o = new OvertakenReversals(dialect);
  o.answered(reversal, { '0': '0410', '39': '25' });
  assert.equal(o.again({ ...late, '39': '51' }), undefined, 'a decline moved no money');
  assert.equal(o.again({ ...late, '0': '0230' }), undefined, 'not a reversible request\'s answer');
  assert.equal(o.again({ ...late, '11': '000043' }), undefined, 'another transaction');
  assert.deepEqual(o.again(late), { reversal: { ...reversal, '0': '0401' }, responseCode: '25', approval: late });
  // Asked once: the approval asked again is remembered now, and an undoing answer forgets it.
  assert.equal(o.again(late), undefined, 'asked once');
  assert.equal(o.answered(reversal, { '0': '0410', '39': '00' }), undefined);
  // The host's copy of the approval taken (the same fields 7, 39, 38, 37) pairs with nothing: no chain of repeats.
  assert.equal(o.again(late), undefined);
  assert.equal(o.answered(reversal, { '0': '0410', '39': '25' }), undefined, 'a copy of the approval taken');
  // Another approval (its own approval code, field 38) takes that 25, remembered; one more first (one read, or another
  // connection), then the reversal's answer that undid nothing.
  assert.deepEqual(o.again({ ...late, '38': 'A00002' }), { reversal: { ...reversal, '0': '0401' }, responseCode: '25', approval: { ...late, '38': 'A00002' } });
  assert.equal(o.again({ ...late, '38': 'A00003' }), undefined);
  // Kept with its field 38 (what tells it from the host's copy of another approval: a shared journal's chain of repeats).
  assert.deepEqual(o.answered(reversal, { '0': '0410', '39': '25' }), { reversal: { ...reversal, '0': '0401' }, responseCode: '25', approval: { ...late, '38': 'A00003' } });
  assert.equal(o.answered(reversal, { '0': '0410', '39': '25' }), undefined, 'taken once');
  // A remembered approval keeps what identifies it and its amount's fields only: no PAN, track echo or EMV data.
  const amounts = new OvertakenReversals(dialect, ['6', '51']);
  const echoed = { ...late, '2': '4111111111111111', '4': '000000001000', '6': '000000000900', '35': '4111111111111111=29122010000000000000', '51': '978', '55': '9F2608A1B2C3D4E5F60718' };
  assert.equal(amounts.again(echoed), undefined);
  assert.deepEqual(amounts.answered(reversal, { '0': '0410', '39': '25' })?.approval, { '0': '0210', '11': '42', '39': '00', '41': 'TERM0001', '6': '000000000900', '51': '978' });
  // What the connector keeps: the fields its reversal plan reads the approved amount from (none when it reads none).
  assert.deepEqual(new ReversalPlan('0400', dialect).approvalFields(), ['4', '49']);
  assert.deepEqual(new ReversalPlan('0400', dialect, ['11', '41']).approvalFields(), []);
  // 1993: the reversal's own "accepted" (400) undid it; 914 (original not found) did not.
  const iso93 = getDialect('iso93ascii');
  const r93 = { '0': '1420', '11': '000042', '41': 'TERM0001' };
  const o93 = new OvertakenReversals(iso93);
  const approved93 = { '0': '1210', '11': '000042', '41': 'TERM0001', '39': '000' };
  o93.answered(r93, { '0': '1430', '39': '400' });
  assert.equal(o93.again(approved93), undefined, 'undone by its 400');
  assert.equal(o93.answered(r93, { '0': '1430', '39': '400' }), undefined, 'undone: the approval is forgotten');
  o93.answered(r93, { '0': '1430', '39': '914' });
  assert.equal(o93.again(approved93)?.reversal['0'], '1421');
  // Bounded: the oldest forgotten first; and forgotten after its time.
  const small = new OvertakenReversals(dialect, [], 1, 60_000);
  small.answered(reversal, { '0': '0410', '39': '25' });
  small.answered({ ...reversal, '11': '000043' }, { '0': '0410', '39': '25' });
  assert.equal(small.again(late), undefined, 'pushed out by a newer one');
  const brief = new OvertakenReversals(dialect, [], 10, -1);
  brief.answered(reversal, { '0': '0410', '39': '25' });
  assert.equal(brief.again(late), undefined, 'past its time');
});
