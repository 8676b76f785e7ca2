// The money figures (money-repeats.ts) when a resend's answer comes first on another connection, then in time on its
// own: a purchase's first send (field 7 T) timed out, its reversal was accepted, the terminal sent it again as it was
// (a new booking: the bank undid the first); the host answers the resend on the other connection first, then the same
// answer (its 37 and 38) on the resend's own. One answer, one booking: 3000 counted once. Before: the first copy,
// late, was counted on the reversed first send's record (the oldest uncounted of T), the one in time on the resend's:
// 6000. The first send's own late approval (its own 38) still counts on the first send. Real sockets, two connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { safEvent } from './helpers/reversals.js';

test("a resend's approval on the other connection, then in time on its own, counts once; the first send's own late approval counts on it", async (t) => {
  let first: Received | undefined;
  let resend: (r: Received) => void = () => undefined;
  const resendCame = new Promise<Received>((resolve) => (resend = resolve));
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
      else if (first === undefined) first = r; // never answered in time
      else {
        const other = [...p.sockets].find((s) => s !== r.socket && !s.destroyed);
        if (other !== undefined) p.send(other, answer(r.message, { '37': '634012345678', '38': 'RESEND' }));
        resend(r);
      }
    },
    { requestTimeout: 300, transactionLog: false, pool: { min: 2, max: 2 }, reversal: { enabled: true, journalDir: tempDir(t, 'copy-first'), retryInterval: 60_000 } },
  );
  await connector.connect();
  const buy = { ...purchase('093023', 'TERM0018', '000000003000'), '7': '1206038400' };
  const reversed = safEvent(connector, 'answered');
  assert.equal((await failure(connector.request(buy))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await reversed).responseCode, '00', 'the bank undid the first send');
  const reported: IsoMessage[] = [];
  const report = (m: IsoMessage): void => void reported.push(m);
  connector.on('late-response', report);
  connector.on('unsolicited', report);
  let answered = false;
  const request = connector.request({ ...buy }, { timeout: 10_000 });
  void request.then(() => (answered = true), () => undefined);
  const r2 = await resendCame;
  assert.equal(peer.sockets.size, 2, 'two connections');
  // The copy on the other connection is taken (reported late, or the resend's answer), then the answer comes on its own.
  await eventWithin(10_000, 'the copy on the other connection to be taken', (resolve) => {
    const check = (): void => void (reported.length > 0 || answered ? resolve(undefined) : setImmediate(check));
    check();
  });
  const copies = reported.length;
  peer.send(r2.socket, answer(r2.message, { '37': '634012345678', '38': 'RESEND' }));
  const resent = await request;
  assert.deepEqual([resent['39'], resent['38']], ['00', 'RESEND']);
  // Both copies taken: one answered the resend, the other reported.
  await eventWithin(10_000, 'the second copy to be reported', (resolve) => {
    const check = (): void => void (reported.length >= (copies === 0 ? 1 : copies) ? resolve(undefined) : setImmediate(check));
    check();
  });
  assert.deepEqual(connector.stats().amounts, { processed: 3000, secured: 3000, refund: 0, reversal: 3000 }, 'one booking counted, one reversed');
  // The first send's own approval (its own 38), late: the bank's booking of it, undone by its reversal: it counts.
  // Reported late, or unsolicited (the late keys let the key go when the copy came late): a late approval either way.
  const late = eventWithin<IsoMessage>(10_000, "the first send's approval to be reported", (resolve) => {
    for (const event of ['late-response', 'unsolicited'] as const) connector.on(event, (m) => m['38'] === 'FIRST1' && resolve(m));
  });
  peer.send((first as Received).socket, answer((first as Received).message, { '37': '634012340000', '38': 'FIRST1' }));
  await late;
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0200']);
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 6000, secured: 6000, refund: 0, reversal: 3000 }, 'two bookings, one reversed');
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount, stats.socketQueue.reversalAmount], [30, 60, 30]);
});
