// A SAF `sent` event says an attempt left: journaled, then written to a connection. It was emitted before the attempt
// even had a connection, so one that never left (the host down: the connect refused) was reported `sent`, then
// `waiting`: a console counting `sent` saw traffic the bank never got. Now `sent` comes in the turn of the write, and
// an attempt never written has none. Real sockets (a reserved port nothing listens on until the host starts there),
// a real file journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { SafEvent } from '../src/index.js';
import { answer } from './peer.js';
import type { Received } from './peer.js';
import { connectorFor, downPort, peerFor, tempDir } from './helpers/setup.js';
import { advice } from './helpers/reversals.js';

/** Far longer than the test's deadlines: an entry that waits for it is not sent within them. */
const RETRY = 600_000;

test('saf – `sent` only once an attempt is written: none for an attempt that found the host down, then one the host has', async (t) => {
  const dir = tempDir(t, 'saf-sent-written');
  const port = await downPort(t);
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port,
    reconnect: { initialDelay: 10, maxDelay: 50 },
    saf: { enabled: true, journalDir: dir, initialDelay: 0, retryInterval: RETRY },
    transactionLog: false,
  });
  const events: SafEvent[] = [];
  let sawSent!: () => void;
  const sentSeen = new Promise<void>((resolve) => (sawSent = resolve));
  connector.on('saf', (e) => {
    events.push(e);
    if (e.stage === 'sent') sawSent();
  });
  const waiting = new Promise<SafEvent>((resolve) => connector.on('saf', (e) => e.stage === 'waiting' && resolve(e)));
  const answered = new Promise<SafEvent>((resolve) => connector.on('saf', (e) => e.stage === 'answered' && resolve(e)));
  connector.connect().catch(() => undefined);
  await connector.started();
  const receipt = await connector.request(advice('006601'), { saf: true });
  const down = await within(waiting, 10_000, 'the advice waiting after its attempt found the host down');
  assert.equal(down.code, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED');
  assert.deepEqual(
    events.map((e) => e.stage),
    ['queued', 'waiting'],
    'no `sent` for an attempt that never left',
  );

  // The host answers only once the `sent` event has come: had it come later than the write (after the answer), the
  // advice would never be answered.
  const held: Received[] = [];
  let sentFirst = false;
  const peer = await peerFor(
    t,
    (r, p) => {
      if (String(r.message['0']).startsWith('08')) return p.send(r.socket, answer(r.message));
      held.push(r);
      void sentSeen.then(() => p.send(r.socket, answer(r.message)));
    },
    { port },
  );
  connector.on('saf', (e) => {
    if (e.stage === 'sent') sentFirst = held.length === 0 && !events.some((x) => x.stage === 'answered');
  });
  const end = await within(answered, 20_000, 'the advice answered once the host is back');
  assert.equal(end.id, receipt.id);
  assert.equal(sentFirst, true, '`sent` came before the answer');
  assert.deepEqual(
    events.map((e) => `${e.stage}/${e.attempt}`),
    ['queued/0', 'waiting/1', 'sent/1', 'answered/1'],
    'one `sent`, for the attempt written',
  );
  assert.equal(held.length, 1, 'the host got the one attempt');
  assert.equal(peer.received.filter((r) => String(r.message['0']).startsWith('022')).length, 1);
});
