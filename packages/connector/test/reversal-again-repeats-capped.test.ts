// A misbehaving host answers a purchase's reversal 25 (it overtook the purchase), then approves the purchase late, and
// after the 25 of every repeat (0401) that approval called for sends ANOTHER approval of the same booking (the same
// STAN, terminal and field 7, another approval code: not the copy reversal-overtaken.ts pairs with nothing). Each
// such approval stored one more repeat, without end. Now at most REPEATS_AGAIN_MAX repeats are stored per original;
// the next approval is logged at error with a code (NOT reversed again) and the chain ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import { REPEATS_AGAIN_MAX } from '../src/reversal-again.js';
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
