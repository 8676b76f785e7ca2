// The host holds a purchase, answers its reversal 25 (it overtook the purchase), then approves the purchase late, and
// sends that approval again, byte for byte, after the 25 of the repeat (0401) it caused. The copy is the same booking,
// taken already for a reversal again: it pairs with nothing (neither the 25 of the repeat it caused, nor noted), so one
// 0401 only. Before, each copy after a 25 stored another repeat: a host that resends its approval after every 25
// chained repeats without end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { journalLines, receivedLines } from './helpers/reversals.js';

const STAN = '094201';

test('the host\'s copy of a late approval taken for a reversal again, sent after the repeat\'s 25, stores no second repeat', async (t) => {
  const dir = tempDir(t, 'overtaken-copies');
  let held: Received | undefined;
  let approval: IsoMessage | undefined;
  let socket: Received['socket'] | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held = r; // approved only after its reversal overtook it
      else if (mti === '0400' || mti === '0401') {
        p.send(r.socket, answer(r.message, { '39': '25' }));
        socket = r.socket;
        // After the reversal's 25: the approval (its copy follows the repeat's 25, once the connector took that).
        if (mti === '0400') p.send(r.socket, (approval = answer((held as Received).message)));
      }
    },
    // compactInterval 0: the close does not compact the lines read below away
    { requestTimeout: 300, reversal: { enabled: true, journalDir: dir, journal: new FileJournal(dir, { compactInterval: 0 }), retryInterval: 60_000 } },
  );
  const answers: string[] = [];
  // The approval's two arrivals (a late response, then a copy: unsolicited, or late when taken for one).
  const twice = eventWithin(10_000, 'the approval did not come twice within 10 s', (resolve) => {
    const seen = (m: IsoMessage): void => {
      if (m['11'] === STAN && m['0'] === '0210' && answers.push(String(m['39'])) === 2) resolve(undefined);
    };
    connector.on('late-response', seen);
    connector.on('unsolicited', seen);
  });
  let repeats = 0;
  const repeatAnswered = eventWithin(10_000, 'the repeat was not answered within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage !== 'answered' || e.mti !== '0401') return;
      // The repeat's 25 is taken (its entry ended): the host sends the same approval again, byte for byte.
      if (e.responseCode === '25' && ++repeats === 1) peer.send(socket!, approval!);
      resolve(undefined);
    }),
  );
  assert.equal((await failure(connector.request(purchase(STAN)))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await repeatAnswered;
  await twice;
  await connector.close();
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`, `0400 ${STAN}`, `0401 ${STAN}`], 'one repeat');
  assert.equal(journalLines(dir).filter((l) => l.op === 'add').length, 2, 'the purchase armed, one repeat: no second');
});
