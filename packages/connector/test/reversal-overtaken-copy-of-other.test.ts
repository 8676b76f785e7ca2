// A host that echoes field 7 but not field 41, a match key of fields 0 and 11, two terminals using one STAN: A's
// purchase times out, its reversal is answered 25 (it overtook A), B's purchase is answered in time, then the host
// sends a copy of B's answer and at last A's own late approval (echoing A's field 7). The copy is the host's duplicate
// (late-keys.ts `lateAnswer`: 'copy'), not A's late answer: A's key stays, and A's approval is tied to A and reversed
// again (0401). Before: the copy used up A's late key, and A's real approval came unsolicited without field 41, matched
// to no reversal: it stood. Real sockets, files and server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin, within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { answeredLines, watchReversals } from './helpers/reversals.js';

test('matchKey ["0", "11"]: the host\'s copy of another terminal\'s answer does not use up a timed-out purchase\'s late key', async (t) => {
  let heldA: Received | undefined;
  let answerOfB: IsoMessage | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200' && r.message['41'] === 'TERMA001') heldA = r; // approved only after its reversal overtook it
      else if (mti === '0200') {
        answerOfB = answer(r.message, { '38': 'APPRB1' });
        delete answerOfB['41'];
        p.send(r.socket, answerOfB);
      } else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
      else if (mti === '0401') p.send(r.socket, answer(r.message));
    },
    {
      matchKey: ['0', '11'],
      requestTimeout: 500,
      pool: { min: 1, max: 1 },
      transactionLog: false,
      reversal: { enabled: true, retryInterval: 60_000, journalDir: tempDir(t, 'overtaken-copy-of-other') },
    },
  );
  await connector.connect();
  const reversals = watchReversals(connector);
  const firstAnswered = within(reversals.reached, 15_000, 'the reversal was not answered within 15 s');
  const err = await failure(connector.request(purchase('074004', 'TERMA001')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await firstAnswered;
  const b = await connector.request({ ...purchase('074004', 'TERMB001'), '7': '1121103001' });
  assert.equal(b['39'], '00');
  const again = eventWithin(15_000, 'A\'s late approval was not reversed again within 15 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(undefined);
    }),
  );
  const original = heldA as Received;
  // One connection: the copy of B's answer is read before A's late approval.
  peer.send(original.socket, { ...(answerOfB as IsoMessage) });
  const late = answer(original.message, { '39': '00', '38': 'APPRA1' });
  delete late['41'];
  peer.send(original.socket, late);
  await again;
  assert.deepEqual(answeredLines(reversals), ['0400 25', '0401 00']);
  const repeats = peer.received.filter((r) => r.message['0'] === '0401').map((r) => [r.message['11'], r.message['41']]);
  assert.deepEqual(repeats, [['074004', 'TERMA001']]);
  assert.equal(connector.stats().reversalsPending, 0);
});
