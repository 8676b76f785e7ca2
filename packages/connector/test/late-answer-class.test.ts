// A `matchKey` without field 0 (['11', '41']): a message of another class under a timed-out 0200's key (the host's
// copy of its reversal's 0410, an 0810 under the STAN and terminal) is no late answer to the 0200. Before: it was
// taken as the late answer and the key forgotten, so the bank's real late 0210 approval that followed was
// "unsolicited": not counted (0 secured) and, with reversals on, no 0401 re-reversal sent (the 0400 had been answered
// 25, "nothing to reverse": the cardholder stayed charged). Now the other message is unsolicited and the 0210 is the
// late answer: counted (10.00 secured) and reversed again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import type { ReversalEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

type Other = 'dup0410' | '0810';

/** What the host sends under the purchase's key before its late approval. */
function other(what: Other, held: Received, last410: IsoMessage | undefined): IsoMessage {
  if (what === 'dup0410') return { ...last410! };
  const m = held.message;
  return { 0: '0810', 7: m['7']!, 11: m['11']!, 41: m['41']!, 39: '00', 70: '301' };
}

for (const what of ['dup0410', '0810'] as const) {
  test(`matchKey ["11", "41"]: an ${what} under a timed-out 0200's key leaves it for the late 0210, reversed again with 0401`, async (t) => {
    const dir = tempDir(t, 'late-class');
    let held: Received | undefined;
    let last410: IsoMessage | undefined;
    let repeated: (m: IsoMessage) => void = () => undefined;
    const repeatAtHost = eventWithin<IsoMessage>(10_000, 'no 0401 reached the host within 10 s', (resolve) => (repeated = resolve));
    const { peer, connector } = await peerAndConnector(
      t,
      (r, p) => {
        const mti = r.message['0'];
        if (mti === '0200') held = r; // answered late, below
        else if (mti === '0400' || mti === '0401') {
          last410 = answer(r.message, { 39: '25' }); // nothing to reverse (yet)
          p.send(r.socket, last410);
          if (mti === '0401') repeated(r.message);
        }
      },
      { requestTimeout: 300, matchKey: ['11', '41'], transactionLog: false, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
    );
    await connector.connect();
    const late: IsoMessage[] = [];
    const unsolicited: IsoMessage[] = [];
    connector.on('unsolicited', (m: IsoMessage) => unsolicited.push(m));
    const answered: ReversalEvent[] = [];
    let onAnswered: () => void = () => undefined;
    connector.on('reversal', (e: ReversalEvent) => {
      if (e.stage !== 'answered') return;
      answered.push(e);
      onAnswered();
    });
    const reversalAnswered = (n: number): Promise<void> =>
      eventWithin<void>(10_000, `reversal answer ${n} not seen within 10 s (${answered.length} seen)`, (resolve) => {
        onAnswered = () => {
          if (answered.length >= n) resolve();
        };
        onAnswered();
      });
    const lateApproval = eventWithin<IsoMessage>(10_000, () => `no late 0210 within 10 s (late: ${late.map((m) => m['0']).join(',')}; unsolicited: ${unsolicited.map((m) => m['0']).join(',')})`, (resolve) =>
      connector.on('late-response', (m: IsoMessage) => {
        late.push(m);
        if (m['0'] === '0210') resolve(m);
      }),
    );
    const err = await failure(connector.request(purchase('071401')));
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
    await reversalAnswered(1); // the 0400 answered 25 (the 0200 before it on the connection was held)
    assert.ok(held !== undefined);
    peer.send(held.socket, other(what, held, last410));
    peer.send(held.socket, answer(held.message)); // the bank's real late approval
    await lateApproval;
    const repeat = await repeatAtHost;
    assert.equal(repeat['11'], '071401');
    await reversalAnswered(2);
    assert.deepEqual(late.map((m) => m['0']), ['0210'], 'only the 0210 is the late answer');
    assert.deepEqual(unsolicited.map((m) => m['0']), [what === 'dup0410' ? '0410' : '0810'], 'the other message is unsolicited');
    assert.deepEqual(connector.stats().amounts, { processed: 1000, secured: 1000, refund: 0, reversal: 0 }, 'the late approval counts its 10.00');
  });
}

test('matchKey ["11", "41"], no reversals: an 0810 under a timed-out 0200\'s key leaves it for the late 0210, counted', async (t) => {
  let atHost: (r: Received) => void = () => undefined;
  const purchaseAtHost = eventWithin<Received>(10_000, 'the 0200 did not reach the host within 10 s', (resolve) => (atHost = resolve));
  const { peer, connector } = await peerAndConnector(
    t,
    (r) => {
      if (r.message['0'] === '0200') atHost(r); // answered late, below
    },
    { requestTimeout: 300, matchKey: ['11', '41'], transactionLog: false },
  );
  await connector.connect();
  const late: IsoMessage[] = [];
  const unsolicited: IsoMessage[] = [];
  connector.on('unsolicited', (m: IsoMessage) => unsolicited.push(m));
  const lateApproval = eventWithin<IsoMessage>(10_000, () => `no late 0210 within 10 s (late: ${late.map((m) => m['0']).join(',')})`, (resolve) =>
    connector.on('late-response', (m: IsoMessage) => {
      late.push(m);
      if (m['0'] === '0210') resolve(m);
    }),
  );
  const err = await failure(connector.request(purchase('071402')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const held = await purchaseAtHost;
  peer.send(held.socket, other('0810', held, undefined));
  peer.send(held.socket, answer(held.message));
  await lateApproval;
  assert.deepEqual(late.map((m) => m['0']), ['0210']);
  assert.deepEqual(unsolicited.map((m) => m['0']), ['0810']);
  assert.deepEqual(connector.stats().amounts, { processed: 1000, secured: 1000, refund: 0, reversal: 0 });
});
