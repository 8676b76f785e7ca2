// The SAF queue across wall clock steps (NTP, a VM resumed): an entry's age comes from the wall clock once, when it
// enters the queue (its `at`); from then on its waits and its expiry run on the monotonic clock. An entry journaled
// before a step back looks as if it came from the future; a step forward after it was queued makes it look old.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileJournal } from '../src/index.js';
import { answer } from './peer.js';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { advice, safEvent } from './helpers/reversals.js';

const HOUR = 3_600_000;

test('an entry journaled an hour before a step back waits initialDelay, not the hour as well', async (t) => {
  const dir = tempDir(t, 'saf-step');
  const journal = new FileJournal(dir);
  await journal.open();
  // Journaled at 10:00, then the clock was stepped back to 09:00: its `at` is an hour ahead of the clock.
  await journal.add({ id: 'stepped', at: Date.now() + HOUR, kind: 'advice', reversal: advice('200001') });
  await journal.close();
  const peer = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message)));
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, saf: { enabled: true, journalDir: dir, initialDelay: 50 } });
  const answered = safEvent(connector, 'answered', 'stepped', 5_000);
  await connector.connect();
  assert.equal((await answered).mti, '0221', 'read back at a start: a repeat');
});

test('a step forward after an entry was queued does not expire it unsent (expireAfter runs on the monotonic clock)', async (t) => {
  const dir = tempDir(t, 'saf-step');
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const peer = await peerFor(t, (r, p) => void held.then(() => p.send(r.socket, answer(r.message))));
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    saf: { enabled: true, journalDir: dir, initialDelay: 0, retryInterval: 100, expireAfter: HOUR },
  });
  const sent = safEvent(connector, 'sent');
  const { id } = await connector.request(advice('200101'), { saf: true });
  await sent;
  // The first attempt is out and unanswered; now the wall clock jumps two hours ahead.
  const wall = Date.now;
  t.after(() => {
    Date.now = wall;
  });
  Date.now = () => wall() + 2 * HOUR;
  const ended = Promise.race([safEvent(connector, 'answered', id), safEvent(connector, 'expired', id)]);
  // The first attempt times out (retryInterval); its repeat is answered once the peer lets answers go.
  await Promise.race([safEvent(connector, 'sent', id), ended]);
  release();
  assert.equal((await ended).stage, 'answered');
});
