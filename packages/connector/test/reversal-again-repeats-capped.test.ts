// A misbehaving host answers a purchase's reversal 25 (it overtook the purchase), then approves the purchase late, and
// after the 25 of every repeat (0401) that approval called for sends ANOTHER approval of the same booking (the same
// STAN, terminal and field 7, another approval code: not the copy reversal-overtaken.ts pairs with nothing). Each
// such approval stored one more repeat, without end. Now at most REPEATS_AGAIN_MAX repeats are stored per original;
// the next approval is logged at error with a code (NOT reversed again) and the chain ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import { REPEATS_AGAIN_MAX, ReversalsAgain } from '../src/reversal-again.js';
import { ReversalPlan } from '../src/reversal-message.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { journalLines, receivedLines } from './helpers/reversals.js';

const STAN = '094231';
const CODE = 'ISO8583_WARN_SAF_REPEATS_CAPPED';

test('a host chaining a new approval after every repeat\'s 25 gets REPEATS_AGAIN_MAX repeats, then a coded error and no more', async (t) => {
  const dir = tempDir(t, 'repeats-capped');
  let capped: (line: Record<string, unknown>) => void = () => undefined;
  const log = capturedLogger('info', (line) => {
    if (line.code === CODE) capped(line);
  });
  const cappedLine = eventWithin<Record<string, unknown>>(10_000, 'no capped line within 10 s', (resolve) => (capped = resolve));
  let held: Received | undefined;
  let approvals = 0;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held = r; // approved only after its reversal overtook it
      else if (mti === '0400' || mti === '0401') {
        p.send(r.socket, answer(r.message, { '39': '25' }));
        // After each 25: another approval of the purchase (its own approval code: not a byte copy of the last).
        approvals += 1;
        p.send(r.socket, answer((held as Received).message, { '38': `APP${String(approvals).padStart(3, '0')}` }));
      }
    },
    // compactInterval 0: the close does not compact the lines read below away
    { requestTimeout: 300, logger: log.logger, reversal: { enabled: true, journalDir: dir, journal: new FileJournal(dir, { compactInterval: 0 }), retryInterval: 60_000 } },
  );
  assert.equal((await failure(connector.request(purchase(STAN)))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const line = await cappedLine;
  assert.equal(line.level, 50, 'logged at error');
  assert.equal(line.stan, STAN);
  assert.equal(line.repeats, REPEATS_AGAIN_MAX);
  await connector.close();
  const repeats = Array.from({ length: REPEATS_AGAIN_MAX }, () => `0401 ${STAN}`);
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`, `0400 ${STAN}`, ...repeats], 'REPEATS_AGAIN_MAX repeats, no more');
  assert.equal(journalLines(dir).filter((l) => l.op === 'add').length, 1 + REPEATS_AGAIN_MAX, 'the purchase armed and the repeats stored: no other');
  assert.equal(log.lines.filter((l) => l.code === 'ISO8583_WARN_SAF_REVERSED_AGAIN').length, REPEATS_AGAIN_MAX);
  assert.ok(!log.text().includes('4111111111111111'), 'no card number in the log');
});

test('a repeat the cap refused, named again by the shared store\'s repeats owed (read every minute), is logged once', async () => {
  // sr65b F2: with PostgreSQL nothing is stored under the refused repeat's id, so the row stays owed for OWED_FOR_MS
  // and reversal-follow.ts `owed` offers the same id every minute: one coded line, not one a minute.
  const dialect = getDialect('iso87ascii');
  const log = capturedLogger('info');
  const added: string[] = [];
  const again = new ReversalsAgain(new ReversalPlan('0400', dialect), { logger: log.logger }, async (_m, id) => {
    added.push(id);
    return true;
  }, 60_000, dialect, 1);
  const reversal: IsoMessage = { '0': '0401', '4': '000000001000', '7': '1121103000', '11': STAN, '41': 'TERM0001', '49': '840' };
  const approval: IsoMessage = { '0': '0210', '4': '000000001000', '7': '1121103000', '11': STAN, '38': 'APP001', '39': '00', '41': 'TERM0001' };
  const stored = (id: string) => again.store({ reversal, responseCode: '25', approval }, false, id);
  await stored('row-1-again');
  for (let read = 0; read < 3; read += 1) await stored('row-2-again'); // the owed row, read again each minute
  await stored('row-3-again'); // another approval of the chain: its own line
  assert.deepEqual(added, ['row-1-again'], 'the first repeat stored, no other');
  assert.equal(log.lines.filter((l) => l.code === CODE).length, 2, 'one line per refused repeat, however often it is read');
});

test('a refusal is recorded in the shared store only when the original is named by its data (field 90, 56 or 7)', async () => {
  // sr66b #1: with a dialect that sends a fresh field 7 on every attempt and no field 90/56, two transactions of one
  // STAN, terminal and card in a day share a count: a refusal recorded for every node would leave a real repeat
  // unsent everywhere. It stays this process's refusal; a reversal naming its original (field 90) is recorded.
  const base = getDialect('iso87ascii');
  const dialect = { ...base, reversal: { ...base.reversal, freshTransmissionTime: true } } as typeof base;
  const recorded: string[] = [];
  const again = new ReversalsAgain(new ReversalPlan('0400', dialect), { logger: capturedLogger('info').logger }, async () => true, 60_000, dialect, 1, async (id) => {
    recorded.push(id);
  });
  const approval: IsoMessage = { '0': '0210', '4': '000000001000', '7': '1121103000', '11': STAN, '38': 'APP001', '39': '00', '41': 'TERM0001' };
  const loose: IsoMessage = { '0': '0401', '4': '000000001000', '7': '1121103000', '11': STAN, '41': 'TERM0001', '49': '840' };
  await again.store({ reversal: loose, responseCode: '25', approval }, false, 'loose-1-again');
  await again.store({ reversal: loose, responseCode: '25', approval }, false, 'loose-2-again'); // refused: loosely named
  const named: IsoMessage = { ...loose, '11': '094232', '90': `0200094232${'1121103000'}${'0'.repeat(22)}` };
  await again.store({ reversal: named, responseCode: '25', approval: { ...approval, '11': '094232' } }, false, 'named-1-again');
  await again.store({ reversal: named, responseCode: '25', approval: { ...approval, '11': '094232' } }, false, 'named-2-again'); // refused: named by field 90
  assert.deepEqual(recorded, ['named-2-again'], 'only the refusal of an original named by its data is recorded in the store');
});
