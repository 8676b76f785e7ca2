// waitForSaf, what a graceful stop waits for before the connectors close: driven by the connectors' events (an entry
// that ends, an entry queued meanwhile, a connector that closes) and by its deadline or abort signal; never a poll.
// Real connectors, a real host on 127.0.0.1 that answers only when the test says so, real journal folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Iso8583Error, MessageStream, createCodec, responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal, createConnector } from '@iso8583/connector';
import type { Connector, ReversalJournal, SafEvent } from '@iso8583/connector';
import { within } from '@iso8583/test-support';
import { safLeft, waitForSaf } from '../src/drain.js';

const codec = createCodec('iso87ascii');

type After = { after(fn: () => unknown): void };

/**
 * A host that holds every request until `release()`, then answers it (and every later one) with the response code
 * `rc` gives (approved, `00`, by default).
 */
async function heldHost(t: After, rc: (request: IsoMessage) => string = () => '00'): Promise<{ port: number; received: IsoMessage[]; release(): void }> {
  const held: (() => void)[] = [];
  const received: IsoMessage[] = [];
  let open = false;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (frame) => {
        const request = stream.decode(frame).message;
        received.push(request);
        const reply = (): void => {
          stream.send({ ...request, '0': responseMti(String(request['0'])) ?? '0000', '39': rc(request) });
        };
        if (open) reply();
        else held.push(reply);
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    port: (server.address() as { port: number }).port,
    received,
    release: () => {
      open = true;
      for (const reply of held.splice(0)) reply();
    },
  };
}

/**
 * A connector with SAF on (an hour before an entry's first attempt and between attempts; `endCodes` as given),
 * destroyed after the test.
 */
function safConnector(t: After, port: number, endCodes?: string[]): Connector {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-drain-'));
  const connector = createConnector({
    host: '127.0.0.1',
    port,
    requestTimeout: 3_600_000,
    saf: { enabled: true, journalDir: dir, initialDelay: 3_600_000, retryInterval: 3_600_000, endCodes },
  });
  t.after(async () => {
    await connector.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  return connector;
}

/** Resolves when `connector` reports `stage` for the entry of STAN `stan`; fails naming it after 10 s. */
function safStage(connector: Connector, stan: string, stage: string): Promise<void> {
  const seen = new Promise<void>((resolve) => connector.on('saf', (e) => e.stan === stan && e.stage === stage && resolve()));
  return within(seen, 10_000, `the SAF entry ${stan} to be ${stage}`);
}

/** A completion advice (0220), stored with `saf: true`. Test card number. */
function advice(stan: string): IsoMessage {
  return { '0': '0220', '2': '4111111111111111', '3': '000000', '4': '000000002500', '7': '1121103000', '11': stan, '41': 'DRAINT01', '49': '840' };
}

test('waitForSaf resolves at once when nothing is pending', async (t) => {
  const host = await heldHost(t);
  const connector = safConnector(t, host.port);
  await connector.connect();
  await within(waitForSaf([connector], Date.now() + 3_600_000), 10_000, 'the wait to end with nothing pending');
  assert.deepEqual(safLeft([connector]), { reversals: 0, advices: 0 });
});

test('waitForSaf sends what waits, flushes an entry queued while it waits, and resolves on the event that ends the last', async (t) => {
  const host = await heldHost(t);
  const connector = safConnector(t, host.port);
  await connector.connect();
  await connector.request(advice('400101'), { saf: true });
  let settled = false;
  const waiting = waitForSaf([connector], Date.now() + 3_600_000).then(() => {
    settled = true;
  });
  // The first advice leaves at once (the flush at the start), and is held by the host.
  await safStage(connector, '400101', 'sent');
  // A second advice stored while the wait goes on: queued with an hour to its first attempt, sent at once all the same.
  const sent = safStage(connector, '400102', 'sent');
  await connector.request(advice('400102'), { saf: true });
  await sent;
  assert.equal(settled, false, 'two entries are still waiting for their answers');
  assert.deepEqual(safLeft([connector]), { reversals: 0, advices: 2 });
  host.release();
  await within(waiting, 10_000, 'the wait to end once both are answered');
  assert.deepEqual(safLeft([connector]), { reversals: 0, advices: 0 });
  assert.deepEqual(host.received.map((m) => `${m['0']}:${m['11']}`), ['0220:400101', '0220:400102']);
});

test('waitForSaf ends when its signal aborts, or when the connectors close, with the entry still journaled', async (t) => {
  const host = await heldHost(t);
  const connector = safConnector(t, host.port);
  await connector.connect();
  await connector.request(advice('400201'), { saf: true });
  const abort = new AbortController();
  const aborted = waitForSaf([connector], Date.now() + 3_600_000, abort.signal);
  abort.abort();
  await within(aborted, 10_000, 'the wait to end once aborted');
  assert.deepEqual(safLeft([connector]), { reversals: 0, advices: 1 });
  await within(waitForSaf([connector], Date.now() + 3_600_000, abort.signal), 10_000, 'a wait given an aborted signal to end at once');

  const closing = waitForSaf([connector], Date.now() + 3_600_000);
  await connector.destroy();
  await within(closing, 10_000, 'the wait to end once the connector is closed');
  assert.deepEqual(safLeft([connector]), { reversals: 0, advices: 1 }, 'what was left stays for the next start');
});

test('waitForSaf ends at its deadline with an entry unanswered', async (t) => {
  const host = await heldHost(t);
  const connector = safConnector(t, host.port);
  await connector.connect();
  await connector.request(advice('400301'), { saf: true });
  await waitForSaf([connector], Date.now() + 200);
  assert.deepEqual(safLeft([connector]), { reversals: 0, advices: 1 });
  assert.deepEqual(host.received.map((m) => m['11']), ['400301'], 'sent at once by the flush, unanswered');
});

test('waitForSaf flushes only the entry queued while it waits: a refused entry waits out its retryInterval', async (t) => {
  // The host refuses 400401 (91: a code that does not end it), and approves the others.
  const host = await heldHost(t, (m) => (m['11'] === '400401' ? '91' : '00'));
  host.release();
  const connector = safConnector(t, host.port, ['94']);
  await connector.connect();
  const sent: string[] = [];
  connector.on('saf', (e) => e.stage === 'sent' && sent.push(`${e.mti}:${e.stan}`));
  await connector.request(advice('400401'), { saf: true });
  const abort = new AbortController();
  const refused = safStage(connector, '400401', 'refused');
  const waiting = waitForSaf([connector], Date.now() + 7_200_000, abort.signal);
  // Sent at once by the flush at the start, refused: its repeat is due an hour later, before the deadline.
  await refused;
  // An advice stored while the wait goes on leaves at once, alone: the refusing host is not asked again early.
  const answered = safStage(connector, '400402', 'answered');
  await connector.request(advice('400402'), { saf: true });
  await answered;
  assert.deepEqual(sent, ['0220:400401', '0220:400402']);
  assert.deepEqual(host.received.map((m) => `${m['0']}:${m['11']}`), ['0220:400401', '0220:400402']);
  assert.deepEqual(safLeft([connector]), { reversals: 0, advices: 1 }, 'the refused advice waits for its repeat');
  abort.abort();
  await within(waiting, 10_000, 'the wait to end once aborted');
});

test('waitForSaf waits for an answered entry whose done a store out of reach has not recorded yet, and resolves once it commits', async (t) => {
  const host = await heldHost(t);
  host.release();
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-drain-'));
  const file = new FileJournal(dir);
  // A shared store whose `done` fails (out of reach) until `reachable`; `failed` counts the failures.
  let reachable = false;
  let failed = 0;
  let onFail: () => void = () => undefined;
  const store: ReversalJournal = {
    open: () => file.open(),
    add: (entry) => file.add(entry),
    attempt: (id, n) => file.attempt(id, n),
    close: () => file.close(),
    done: (id, outcome) => {
      if (reachable) return file.done(id, outcome);
      failed += 1;
      onFail();
      return Promise.reject(new Iso8583Error('ISO8583_ERR_CONNECTOR_STORE', 'the store is out of reach', { field: 'store' }));
    },
  };
  const failures = (n: number): Promise<void> => within(new Promise<void>((resolve) => (onFail = () => failed >= n && resolve())), 10_000, `${n} failed done`);
  const connector = createConnector({ host: '127.0.0.1', port: host.port, reversal: { enabled: true, journal: store }, saf: { initialDelay: 0, retryInterval: 100 } });
  t.after(async () => {
    await connector.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  await connector.connect();
  const first = failures(1);
  await connector.request(advice('400501'), { saf: true });
  await first;
  // Answered by the host, its end not recorded: not ended, so the stop waits for it.
  assert.deepEqual(safLeft([connector]), { reversals: 0, advices: 1 });
  let settled = false;
  const waiting = waitForSaf([connector], Date.now() + 3_600_000).then(() => {
    settled = true;
  });
  await failures(3);
  assert.equal(settled, false, 'its end is not recorded yet');
  reachable = true;
  await within(waiting, 10_000, 'the wait to end once the done commits');
  assert.equal(connector.stats().safDelivered, 1);
  assert.deepEqual(host.received.map((m) => `${m['0']}:${m['11']}`), ['0220:400501'], 'sent once');
});

test('waitForSaf ends once every pending entry waits for a repeat past its deadline; the entry stays journaled and the next start sends it', async (t) => {
  // The host refuses (91, a code that does not end an entry) until told to approve.
  let rc = '91';
  const host = await heldHost(t, () => rc);
  host.release();
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-drain-'));
  const open = (): Connector =>
    createConnector({ host: '127.0.0.1', port: host.port, saf: { enabled: true, journalDir: dir, initialDelay: 3_600_000, retryInterval: 120_000, endCodes: ['94'] } });
  const first = open();
  t.after(() => first.destroy());
  await first.connect();
  await first.request(advice('400601'), { saf: true });
  // A 60 s deadline: the flush sends the advice at once, it is refused, and its repeat is due 120 s later.
  const until = Date.now() + 60_000;
  const waiting = safStage(first, '400601', 'waiting');
  // Ends long before its 60 s deadline (a later check of the clock could never fail: this bound comes first).
  await within(waitForSaf([first], until), 10_000, 'the wait to end, well before its 60 s deadline, once the repeat is due after it');
  await waiting;
  assert.deepEqual(safLeft([first]), { reversals: 0, advices: 1 });
  await first.close();
  assert.deepEqual(host.received.map((m) => `${m['0']}:${m['11']}`), ['0220:400601']);

  // The next start (the same journal folder) sends it, as a repeat, and the host now approves it.
  rc = '00';
  const next = open();
  t.after(() => next.destroy());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const answered = safStage(next, '400601', 'answered');
  await next.connect();
  await answered;
  assert.deepEqual(host.received.map((m) => `${m['0']}:${m['11']}`), ['0220:400601', '0221:400601']);
  assert.equal(next.stats().safDepth, 0);
});

test('waitForSaf ends once an answered entry whose store is out of reach has its next done try past the deadline; the next start sends it as a repeat', async (t) => {
  const host = await heldHost(t);
  host.release();
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-drain-'));
  const file = new FileJournal(dir);
  // A shared store out of reach for every `done`: the end of the answered advice is tried again every retryInterval.
  let failed = 0;
  const store: ReversalJournal = {
    open: () => file.open(),
    add: (entry) => file.add(entry),
    attempt: (id, n) => file.attempt(id, n),
    close: () => file.close(),
    done: () => {
      failed += 1;
      return Promise.reject(new Iso8583Error('ISO8583_ERR_CONNECTOR_STORE', 'the store is out of reach', { field: 'store' }));
    },
  };
  const options = { host: '127.0.0.1', port: host.port, saf: { enabled: true, initialDelay: 0, retryInterval: 120_000 } };
  const first = createConnector({ ...options, reversal: { enabled: true, journal: store } });
  t.after(() => first.destroy());
  await first.connect();
  const waiting = safStage(first, '400701', 'waiting');
  await first.request({ ...advice('400701'), '2': '4761739001010010' }, { saf: true });
  await waiting;
  // Answered, its end not recorded, and its next done try is 120 s away: nothing can end it before a 60 s deadline.
  const until = Date.now() + 60_000;
  await within(waitForSaf([first], until), 10_000, 'the wait to end, well before its 60 s deadline, once the next done try is after it');
  assert.equal(failed, 1, 'its done was tried once');
  assert.deepEqual(safLeft([first]), { reversals: 0, advices: 1 }, 'left in the journal: what the stop line says');
  await first.close();

  // The next start (the same journal, reachable now) sends it again, as a repeat (0221).
  const next = createConnector({ ...options, saf: { ...options.saf, journalDir: dir } });
  t.after(() => next.destroy());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const answered = safStage(next, '400701', 'answered');
  await next.connect();
  await answered;
  assert.deepEqual(host.received.map((m) => `${m['0']}:${m['11']}`), ['0220:400701', '0221:400701']);
});

test('waitForSaf looks at the connectors\' next due entry at most once a turn, however many entries end in it (a large backlog: not once per event)', async (t) => {
  const host = await heldHost(t);
  const connector = safConnector(t, host.port);
  await connector.connect();
  await connector.request(advice('400301'), { saf: true });
  // Every look walks every entry: counted.
  const nextDue = connector.safNextDue.bind(connector);
  let looks = 0;
  connector.safNextDue = () => {
    looks += 1;
    return nextDue();
  };
  const abort = new AbortController();
  const waiting = waitForSaf([connector], Date.now() + 3_600_000, abort.signal);
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  const before = looks;
  // 1,000 entries of a backlog ending in one turn (their events, as the queue emits them).
  for (let i = 0; i < 1000; i++) connector.emit('saf', { stage: 'answered', kind: 'advice', id: `x${i}`, stan: '400399' } as SafEvent);
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(looks - before <= 1, `at most one look for the 1,000 events of one turn (${looks - before})`);
  abort.abort();
  await within(waiting, 10_000, 'the wait to end once aborted');
});
