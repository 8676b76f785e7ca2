// A SAF entry (a reversal, an advice) whose attempt found the host down (the connect refused: the attempt never left)
// goes as soon as the link is back, not `retryInterval` after that attempt: a bank back on its port got its backlog only
// up to a whole retry interval (10 s by default) later. Exactly one send per entry, each attempt journaled as before.
// An entry whose attempt did leave (unanswered) keeps its retry interval. Real sockets: a reserved port nothing
// listens on until the host starts there; real file journals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { SafEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { connectorFor, downPort, peerAndConnector, peerFor, tempDir } from './helpers/setup.js';
import { advice, journalLines, safEvent } from './helpers/reversals.js';

/** Far longer than the test's deadlines: an entry that waits for it is not sent within them. */
const RETRY = 600_000;

for (const mode of ['multiplex', 'exclusive'] as const) {
  test(`saf – entries whose attempt found the host down go once the link is back, not a retryInterval later: one send each (${mode})`, async (t) => {
    const dir = tempDir(t, 'saf-link-back');
    // A first run leaves a reversal in the journal: a purchase the host never answers, the connector gone before its
    // reversal could be sent.
    const { connector: first } = await peerAndConnector(t, () => undefined, {
      reversal: { enabled: true, journal: new FileJournal(dir) },
      requestTimeout: 200,
      saf: { initialDelay: RETRY, retryInterval: RETRY },
      transactionLog: false,
    });
    await first.connect();
    await assert.rejects(first.request(purchase('005501')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
    await within(first.destroy(), 10_000, 'the first connector to stop');

    // The next run finds the host down: the reversal read back and a new advice each fail their first attempt here.
    const port = await downPort(t);
    const connector = connectorFor(t, {
      host: '127.0.0.1',
      port,
      mode,
      reconnect: { initialDelay: 10, maxDelay: 50 },
      reversal: { enabled: true, journal: new FileJournal(dir) },
      saf: { initialDelay: 0, retryInterval: RETRY },
      transactionLog: false,
    });
    const waiting = new Map<string, SafEvent>();
    const bothWaiting = new Promise<void>((resolve) =>
      connector.on('saf', (e) => {
        if (e.stage !== 'waiting') return;
        waiting.set(e.kind, e);
        if (waiting.size === 2) resolve();
      }),
    );
    connector.connect().catch(() => undefined);
    await connector.started();
    const receipt = await connector.request(advice('005502'), { saf: true });
    await within(bothWaiting, 10_000, 'both entries waiting after a refused connect');
    for (const e of waiting.values()) {
      assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED', `${e.kind}: its attempt found the host down`);
      assert.ok((e.nextAttempt ?? 0) > Date.now() + RETRY / 2, `${e.kind}: due a retry interval later`);
    }

    const answered = new Set<string>();
    const both = new Promise<void>((resolve) =>
      connector.on('saf', (e) => {
        if (e.stage !== 'answered') return;
        answered.add(e.kind);
        if (answered.size === 2) resolve();
      }),
    );
    const peer = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message)), { port });
    await within(both, 20_000, 'the reversal and the advice answered once the host is back (not a retry interval later)');
    const sent = peer.received.map((r) => `${String(r.message['0'])}/${String(r.message['11'])}`).filter((m) => !m.startsWith('0800'));
    // The advice's first attempt here never left: it goes as a first (0220); the reversal read back goes as a repeat.
    assert.deepEqual(sent.sort(), ['0220/005502', '0401/005501'], 'exactly one send per entry');
    const advised = journalLines(dir).filter((l) => l.id === receipt.id);
    assert.deepEqual(advised.map((l) => `${l.op}${l.attempt ?? ''}`), ['add', 'attempt1', 'attempt1', 'done'], 'every attempt journaled before it went, the one that never left not counted');
  });
}

test('saf – an entry whose attempt left and went unanswered keeps its retryInterval when the link comes back', async (t) => {
  const dir = tempDir(t, 'saf-link-back');
  // The host takes the advice and drops the connection without an answer: the attempt left, its outcome unknown.
  let first = true;
  const peer = await peerFor(t, (r, p) => {
    if (String(r.message['0']).startsWith('022') && first) {
      first = false;
      r.socket.destroy();
      return;
    }
    p.send(r.socket, answer(r.message));
  });
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    reconnect: { initialDelay: 10, maxDelay: 50 },
    saf: { enabled: true, journalDir: dir, initialDelay: 0, retryInterval: RETRY },
    transactionLog: false,
  });
  await connector.connect();
  const unanswered = safEvent(connector, 'waiting');
  const reconnected = new Promise<void>((resolve) => connector.on('connect', () => resolve()));
  await connector.request(advice('005503'), { saf: true });
  const e = await unanswered;
  assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  await within(reconnected, 10_000, 'the connector to reconnect');
  // The reconnect is handled in the turn of its event: an entry woken by it would have started its attempt by now
  // (due now, `safNextDue`), an entry left to its timer is due a retry interval after its attempt.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(connector.stats().safDepth, 1, 'still waiting');
  assert.ok((connector.safNextDue() ?? 0) > Date.now() + RETRY / 2, 'due a retry interval after the attempt that left');
  assert.equal(peer.received.filter((r) => String(r.message['0']).startsWith('022')).length, 1, 'not sent again at the reconnect');
  assert.deepEqual(journalLines(dir).filter((l) => l.op === 'attempt').map((l) => l.attempt), [1], 'no second attempt journaled');
});
