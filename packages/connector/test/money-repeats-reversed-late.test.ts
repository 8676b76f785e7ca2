// The money figures (money-repeats.ts) when a purchase's first send timed out, the connector's reversal of it was
// accepted, the terminal sent the same purchase again (same STAN, terminal and field 7: a new booking, the first was
// undone) and it was approved; then the first send's approval comes, late. The bank holds one booking (the resend's)
// of two made, one reversed: processed and secured count both, the reversal one. Before: the late approval was taken
// for the resend's (the most recent record of that field 7), a copy of its counted answer: secured 3000 less 3000
// reversed, none of the bank's booking. On either connection the approval is late (the late keys are the connector's:
// late-keys.ts); before that, on the other it was unsolicited (money-repeats.ts `uncounted` took it for a copy of the
// resend's counted answer): that path is now the answer of a request whose connection was lost (see the test below).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { safEvent } from './helpers/reversals.js';

for (const where of ['its own connection', 'another connection'] as const) {
  test(`a reversed first send's late approval after the approved resend (on ${where}) counts on the first send, not as a copy of the resend's`, async (t) => {
    let held: Received | undefined;
    const { peer, connector } = await peerAndConnector(
      t,
      (r, p) => {
        if (r.message['0'] === '0200' && held === undefined) {
          held = r; // the first send's approval is held, sent once the resend's was taken
          return;
        }
        p.send(r.socket, answer(r.message, { '38': 'RESEND' }));
      },
      { requestTimeout: 300, transactionLog: false, pool: { min: 2, max: 2 }, reversal: { enabled: true, journalDir: tempDir(t, 'reversed-late'), retryInterval: 60_000 } },
    );
    await connector.connect();
    const buy = { ...purchase('093021', 'TERM0018', '000000003000'), '7': '1206038200' };
    const reversed = safEvent(connector, 'answered');
    assert.equal((await failure(connector.request(buy))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
    assert.equal((await reversed).responseCode, '00', 'the bank undid the first send');
    // The first send's approval comes after the resend's: late on either connection (its key timed out at the connector).
    const late = eventWithin<IsoMessage>(10_000, "the first send's approval to be reported late", (resolve) => connector.on('late-response', resolve));
    const resent = await connector.request({ ...buy }, { timeout: 10_000 });
    assert.deepEqual([resent['39'], resent['38']], ['00', 'RESEND'], 'the resend is answered by its own approval');
    const first = held as Received;
    const socket = where === 'its own connection' ? first.socket : [...peer.sockets].find((s) => s !== first.socket);
    assert.ok(socket !== undefined, 'two connections');
    peer.send(socket, answer(first.message, { '38': 'FIRST1' }));
    assert.equal((await late)['38'], 'FIRST1');
    assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0200']);
    const stats = connector.stats();
    assert.deepEqual(stats.amounts, { processed: 6000, secured: 6000, refund: 0, reversal: 3000 }, 'two bookings, one reversed');
    assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount, stats.socketQueue.reversalAmount], [30, 60, 30]);
  });
}

// The first send's connection is lost (its request fails, its key is no timed-out one): its approval, after the
// approved resend, on the other connection matches nothing and is unsolicited, offered as a late approval; it names
// the reversed first send's record, of which no answer was counted (money-repeats.ts `uncounted`), so it counts there.
test("a reversed first send's approval, its connection lost, after the approved resend counts on the first send (unsolicited)", async (t) => {
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['0'] === '0200' && held === undefined) {
        held = r; // the first send's approval is held, sent once the resend's was taken; its connection dropped
        r.socket.destroy();
        return;
      }
      p.send(r.socket, answer(r.message, { '38': 'RESEND' }));
    },
    { requestTimeout: 300, transactionLog: false, pool: { min: 2, max: 2 }, reversal: { enabled: true, journalDir: tempDir(t, 'reversed-lost'), retryInterval: 60_000 } },
  );
  await connector.connect();
  const buy = { ...purchase('093022', 'TERM0018', '000000003000'), '7': '1206038300' };
  const reversed = safEvent(connector, 'answered');
  assert.equal((await failure(connector.request(buy))).code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  assert.equal((await reversed).responseCode, '00', 'the bank undid the first send');
  const came = eventWithin<IsoMessage>(10_000, "the first send's approval to be reported unsolicited", (resolve) => connector.on('unsolicited', resolve));
  const resent = await connector.request({ ...buy }, { timeout: 10_000 });
  assert.deepEqual([resent['39'], resent['38']], ['00', 'RESEND'], 'the resend is answered by its own approval');
  const first = held as Received;
  const socket = [...peer.sockets].find((s) => s !== first.socket && !s.destroyed);
  assert.ok(socket !== undefined, 'a live connection');
  peer.send(socket, answer(first.message, { '38': 'FIRST1' }));
  assert.equal((await came)['38'], 'FIRST1');
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0200']);
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 6000, secured: 6000, refund: 0, reversal: 3000 }, 'two bookings, one reversed');
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount, stats.socketQueue.reversalAmount], [30, 60, 30]);
});
