// SAF attempts that never left (no connection could be had: the connect refused, the wait for a connection past the
// attempt's deadline) neither count toward `maxAttempts` nor make the next attempt a repeat: a bank down longer than
// maxAttempts x retryInterval had its reversal abandoned (an error line, money left unreversed) while it never saw it,
// and got a first advice as a repeat (0221). Real sockets: a reserved port nothing listens on while the host is down,
// then a host started on it; real file journals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { Connector, SafEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { connectorFor, downPort, peerFor, tempDir } from './helpers/setup.js';
import { advice, journalLines } from './helpers/reversals.js';

/** Far longer than the test's deadlines: an entry that waits for it is not sent within them. */
const LONG = 600_000;

/**
 * Resolves once every entry in `ids` had `count` attempts end `waiting` with a code of an attempt that never left;
 * rejects at once on any `abandoned` or `expired` event (the entry given up while the host never saw it).
 */
function neverLeftTimes(connector: Connector, ids: readonly string[], count: number): Promise<void> {
  const seen = new Map<string, number>(ids.map((id) => [id, 0]));
  return new Promise<void>((resolve, reject) => {
    connector.on('saf', (e: SafEvent) => {
      if (e.stage === 'abandoned' || e.stage === 'expired') reject(new Error(`${e.kind} ${e.id} ${e.stage} after attempt ${e.attempt} while the host never saw it`));
      if (e.stage !== 'waiting' || !seen.has(e.id)) return;
      if (!['ISO8583_ERR_CONNECTOR_CONNECT_FAILED', 'ISO8583_ERR_CONNECTOR_DEADLINE'].includes(e.code ?? '')) reject(new Error(`${e.kind}: not an attempt that never left (${e.code})`));
      // Not counted: the next attempt goes under the same number (and so the same MTI).
      if (e.attempt !== 1) reject(new Error(`${e.kind}: attempt ${e.attempt} waiting, an attempt that never left was counted`));
      seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
      if ([...seen.values()].every((n) => n >= count)) resolve();
    });
  });
}

for (const mode of ['multiplex', 'exclusive'] as const) {
  test(`saf – attempts that never left neither exhaust maxAttempts nor make the first send a repeat (${mode})`, async (t) => {
    const dir = tempDir(t, 'saf-never-left');
    const port = await downPort(t);
    // The host takes the purchase and never answers it: its reversal is journaled, and waits (initialDelay) until the
    // host is down.
    const silent = await peerFor(t, () => undefined, { port });
    const connector = connectorFor(t, {
      host: '127.0.0.1',
      port,
      mode,
      requestTimeout: 200,
      reconnect: { initialDelay: 10, maxDelay: 20 },
      reversal: { enabled: true, journalDir: dir },
      saf: { initialDelay: LONG, retryInterval: 40, maxAttempts: 2 },
      transactionLog: false,
    });
    await connector.connect();
    const queued: string[] = [];
    connector.on('saf', (e) => {
      if (e.stage === 'queued') queued.push(e.id);
    });
    await assert.rejects(connector.request(purchase('006101')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
    const receipt = await connector.request(advice('006102'), { saf: true });
    assert.equal(queued.length, 2, 'the reversal and the advice queued');
    const down = new Promise<void>((resolve) => connector.once('disconnect', () => resolve()));
    await silent.close();
    await within(down, 10_000, 'the connector to see the host gone');

    // The host is down: every attempt of both finds no connection, three times maxAttempts, and neither is given up.
    const downLongEnough = neverLeftTimes(connector, queued, 6);
    assert.equal(connector.flushSaf(), 2);
    await within(downLongEnough, 20_000, 'six attempts of each entry finding the host down');
    assert.equal(connector.stats().safDepth, 2, 'both entries still waiting');

    // The host is back: each entry goes once, as a first (0400, 0220: no attempt of it ever left).
    const answered = new Set<string>();
    const both = new Promise<void>((resolve) =>
      connector.on('saf', (e) => {
        if (e.stage !== 'answered') return;
        answered.add(`${e.kind} ${e.attempt}`);
        if (answered.size === 2) resolve();
      }),
    );
    const peer = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message)), { port });
    await within(both, 20_000, 'the reversal and the advice answered once the host is back');
    assert.deepEqual([...answered].sort(), ['advice 1', 'reversal 1'], 'each answered at its first attempt that left');
    const sent = peer.received.map((r) => `${String(r.message['0'])}/${String(r.message['11'])}`).filter((m) => !m.startsWith('08'));
    assert.deepEqual(sent.sort(), ['0220/006102', '0400/006101'], 'one send each, as a first');
    // Every attempt journaled before it went for a connection (attempt 1 each time: none of them left), then done.
    const advised = journalLines(dir).filter((l) => l.id === receipt.id);
    assert.equal(advised.at(-1)?.op, 'done');
    assert.ok(advised.filter((l) => l.op === 'attempt').every((l) => l.attempt === 1), 'attempt 1 each time');
  });
}
