// A start that finds a large SAF backlog in its journal (a restart after a long outage of the bank) does not hold the
// event loop while it queues it: the entries are queued a chunk a turn (SAF_RESUME_TURN_ENTRIES), and sent at most
// `saf.maxInFlight` at once, in the order they were journaled, each exactly once. A stop that comes while the backlog
// is being queued reports every entry the journal holds (safDepth, reversalsPending) and leaves the journal whole:
// those not queued yet untouched, for the next start. An id handed in again while it waits to be queued (taken over
// from another node) is not queued twice. Real sockets, real file journals; the turns are counted, not timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { JournalEntry, SafEvent } from '../src/index.js';
import { SAF_RESUME_TURN_ENTRIES } from '../src/saf-backlog.js';
import { answer } from './peer.js';
import type { Received } from './peer.js';
import { connectorFor, downPort, peerFor } from './helpers/setup.js';
import { entry, filledJournal } from './helpers/journal-fill.js';

/** Counts a connector's SAF events by stage, and its `sent` events by entry id. */
function countEvents(connector: { on(event: 'saf', listener: (e: SafEvent) => void): unknown }): { stages: Map<string, number>; sentById: Map<string, number> } {
  const stages = new Map<string, number>();
  const sentById = new Map<string, number>();
  connector.on('saf', (e) => {
    stages.set(e.stage, (stages.get(e.stage) ?? 0) + 1);
    if (e.stage === 'sent') sentById.set(e.id, (sentById.get(e.id) ?? 0) + 1);
  });
  return { stages, sentById };
}

/** Resolves once `count` SAF events of `stage` have come (those counted in `stages` by {@link countEvents}). */
function eventsCame(connector: { on(event: 'saf', listener: (e: SafEvent) => void): unknown }, stage: SafEvent['stage'], count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) =>
    connector.on('saf', (e) => {
      if (e.stage === stage && ++seen === count) resolve();
    }),
  );
}

test('a start queues a backlog larger than a chunk across turns of the event loop, and sends each entry exactly once', async (t) => {
  const count = 2 * SAF_RESUME_TURN_ENTRIES + 7;
  const { dir, ids } = await filledJournal(t, 'saf-resume-turns', count);
  const peer = await peerFor(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir } });
  const { stages, sentById } = countEvents(connector);
  const answered = eventsCame(connector, 'answered', count);
  // A setImmediate chain: how many entries were queued between two of its turns, and whether one ran while the
  // backlog was part queued.
  let mostPerTurn = 0;
  let last = 0;
  let partQueued = false;
  let running = true;
  const tick = (): void => {
    const queued = stages.get('queued') ?? 0;
    mostPerTurn = Math.max(mostPerTurn, queued - last);
    last = queued;
    if (queued > 0 && queued < count) partQueued = true;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    await connector.connect();
    await within(answered, 60_000, `an "answered" event for each of the ${count} entries`);
  } finally {
    running = false;
  }
  assert.equal(partQueued, true, 'another turn of the event loop ran while the backlog was being queued');
  assert.ok(mostPerTurn <= SAF_RESUME_TURN_ENTRIES, `${mostPerTurn} entries queued in one turn (at most ${SAF_RESUME_TURN_ENTRIES})`);
  assert.equal(stages.get('queued'), count, 'each entry queued once');
  assert.deepEqual([...sentById.values()].filter((n) => n !== 1), [], 'each entry sent once');
  assert.equal(sentById.size, count);
  assert.equal(peer.received.length, count, 'the host got each once');
  assert.equal(new Set(peer.received.map((r) => String(r.message['41']).trim())).size, count);
  assert.equal(connector.stats().safDepth, 0);
  assert.equal(connector.stats().reversalsPending, 0);
  await connector.close();
  const reopened = new FileJournal(dir, { compactInterval: 0 });
  t.after(() => reopened.close());
  assert.equal((await reopened.open()).length, 0, 'every entry ended in the journal');
  assert.ok(ids.length === count);
});

test('a backlog is sent saf.maxInFlight at a time, in the order journaled: the others wait for a place', async (t) => {
  const count = 40;
  const most = 4;
  const { dir, ids } = await filledJournal(t, 'saf-resume-window', count);
  // The host holds every request until the test answers them, then answers each at once.
  const held: Received[] = [];
  let answering = false;
  const peer = await peerFor(t, (r, p) => {
    if (answering) p.send(r.socket, answer(r.message));
    else held.push(r);
  });
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    pool: { max: 1 },
    reversal: { enabled: true, journalDir: dir },
    saf: { maxInFlight: most },
  });
  const { stages, sentById } = countEvents(connector);
  const answered = eventsCame(connector, 'answered', count);
  await connector.connect();
  await peer.waitFor(most);
  assert.equal(stages.get('queued'), count, 'all queued (fewer than a chunk)');
  assert.equal(stages.get('sent'), most, `${most} attempts in flight, the others waiting for a place`);
  assert.equal(held.length, most);
  answering = true;
  for (const r of held) peer.send(r.socket, answer(r.message));
  await within(answered, 30_000, `an "answered" event for each of the ${count} entries`);
  assert.deepEqual(
    peer.received.map((r) => String(r.message['41']).trim()),
    ids,
    'sent in the order journaled',
  );
  assert.deepEqual([...sentById.values()].filter((n) => n !== 1), [], 'each entry sent once');
});

test('a close while a backlog is being queued reports every entry in safDepth and leaves the journal whole, those not queued untouched', async (t) => {
  const count = 6 * SAF_RESUME_TURN_ENTRIES;
  const { dir, ids } = await filledJournal(t, 'saf-resume-close', count);
  // A bank down: every attempt fails at once for want of a connection, and the entry waits; nothing ends.
  const port = await downPort(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port, reversal: { enabled: true, journalDir: dir } });
  connector.on('error', () => undefined);
  const queuedIds = new Set<string>();
  let closing: Promise<void> | undefined;
  connector.on('saf', (e) => {
    if (e.stage !== 'queued') return;
    queuedIds.add(e.id);
    closing ??= connector.close();
  });
  await connector.connect().catch(() => undefined);
  assert.ok(closing !== undefined, 'the backlog began to be queued');
  await closing;
  assert.ok(queuedIds.size < count, `the close came halfway: ${queuedIds.size} of ${count} queued`);
  const stats = connector.stats();
  assert.equal(stats.safDepth, count, 'every entry the journal holds is left, queued or not');
  assert.equal(stats.reversalsPending, count);
  const reopened = new FileJournal(dir, { compactInterval: 0 });
  t.after(() => reopened.close());
  const left = await reopened.open();
  assert.deepEqual(left.map((e) => e.id).sort(), [...ids].sort(), 'every entry still open in the journal');
  const touched = left.filter((e) => !queuedIds.has(e.id) && (e.attempts ?? 0) > 0).map((e) => e.id);
  assert.deepEqual(touched, [], 'no attempt recorded for an entry never queued');
});

test('an entry taken over again while it still waits to be queued is queued and sent once', async (t) => {
  const count = 6 * SAF_RESUME_TURN_ENTRIES;
  const { dir, ids } = await filledJournal(t, 'saf-resume-claim', count);
  // A store that hands, at each claim made while the start's backlog is being queued, its last entries again (and
  // one new entry, journaled by "another node"): the same ids given twice.
  // (Only while the last chunk is still to be queued: a store never hands back an entry that ended.)
  let queued = 0;
  let claimedAt: number | undefined;
  class ClaimingJournal extends FileJournal {
    readonly claimInterval = 1;
    async claim(): Promise<JournalEntry[]> {
      if (queued === 0 || queued >= count - SAF_RESUME_TURN_ENTRIES) return [];
      const again = ids.slice(-10).map((id) => entry(id));
      if (claimedAt !== undefined) return again;
      claimedAt = queued;
      const extra = entry('x1'); // its id is its field 41 (ans 8)
      await this.add(extra);
      return [...again, extra];
    }
  }
  const journal = new ClaimingJournal(dir, { compactInterval: 0 });
  const peer = await peerFor(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journal } });
  const { sentById } = countEvents(connector);
  connector.on('saf', (e) => {
    if (e.stage === 'queued') queued += 1;
  });
  const answered = eventsCame(connector, 'answered', count + 1);
  await connector.connect();
  await within(answered, 60_000, `an "answered" event for each of the ${count + 1} entries`);
  assert.ok(claimedAt !== undefined && claimedAt < count, `a claim came while the backlog was being queued (after ${claimedAt} of ${count})`);
  assert.equal(queued, count + 1, 'each id queued once');
  assert.deepEqual([...sentById.entries()].filter(([, n]) => n !== 1), [], 'each entry sent once');
  assert.equal(sentById.size, count + 1);
  assert.equal(peer.received.length, count + 1, 'the host got each once');
});
