// A late approval whose key the late keys forgot (more timeouts after it than they hold, LATE_KEYS a connection) is
// unsolicited, and with reversals on it is offered to them as a late approval (unsolicited.ts, accounting.ts
// `unsolicitedApproval`), as docs/connector.md says: reported `unsolicited` (not `late-response`), counted once in the
// figures against what its original sent, and its transaction reversed again (0401) when its reversal's `25` comes.
// Real sockets, one connection, a real journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { LATE_KEYS } from '../src/late-keys.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

const OTHERS = LATE_KEYS + 76;

test('an approval whose late key was forgotten is unsolicited, counted once as a late approval, and its transaction reversed again', async (t) => {
  const dir = tempDir(t, 'evicted-approval');
  let original: Received | undefined;
  let reversalCame: (r: Received) => void = () => undefined;
  const reversal = new Promise<Received>((resolve) => (reversalCame = resolve));
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') original = r; // approved only after its key was forgotten
      else if (mti === '0400') reversalCame(r); // answered 25 when the test says
      else if (mti === '0401') p.send(r.socket, answer(r.message));
      // 0600s: never answered, they time out
    },
    { transactionLog: false, requestTimeout: 30_000, maxInFlight: OTHERS + 10, pool: { min: 1, max: 1 }, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const events: string[] = [];
  connector.on('late-response', () => events.push('late-response'));
  const came = eventWithin(10_000, 'the approval to be reported', (resolve) =>
    connector.on('unsolicited', (m: IsoMessage) => (events.push(`unsolicited ${String(m['39'])}`), resolve(undefined))),
  );
  const answered: string[] = [];
  connector.on('reversal', (e) => {
    if (e.stage === 'answered') answered.push(`${e.mti} ${String(e.responseCode)}`);
  });
  assert.equal((await failure(connector.request(purchase('006041'), { timeout: 300 }))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const first = await reversal;
  // More requests than the late keys hold time out after it: the purchase's key is forgotten.
  const timedOut = Array.from({ length: OTHERS }, (_, i) =>
    failure(connector.request({ '0': '0600', '7': '1121103000', '11': String(400_000 + i), '41': 'TERM0002' }, { timeout: 300 })),
  );
  assert.deepEqual([...new Set((await Promise.all(timedOut)).map((e) => e.code))], ['ISO8583_ERR_CONNECTOR_TIMEOUT']);
  const held = original as Received;
  peer.send(held.socket, answer(held.message));
  await came;
  assert.deepEqual(events, ['unsolicited 00'], 'unsolicited, not late: its key was forgotten');
  assert.deepEqual(connector.stats().amounts, { processed: 1000, secured: 1000, refund: 0, reversal: 0 }, 'the approval counted once, as a late one');
  const again = eventWithin(10_000, 'the repeat reversal to be answered', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(undefined);
    }),
  );
  peer.send(first.socket, answer(first.message, { '39': '25' }));
  await again;
  assert.deepEqual(answered, ['0400 25', '0401 00']);
  assert.equal(peer.received.filter((r) => r.message['0'] === '0401').length, 1, 'one repeat');
  assert.deepEqual(connector.stats().amounts, { processed: 1000, secured: 1000, refund: 0, reversal: 1000 }, 'and its reversal');
  await connector.close();
});
