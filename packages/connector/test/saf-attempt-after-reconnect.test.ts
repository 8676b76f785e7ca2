// A SAF attempt's answer is awaited its whole timeout, min(requestTimeout, retryInterval), from the write: the wait for
// a connection before it no longer eats into it. Before, right after the upstream came back each reversal was written
// late in its window, timed out moments later though the host answered in time, and was sent again (two 0401s per
// entry). Real sockets: a host whose connections are usable (sign-on answered) only once a gate opens, late in the
// attempts' wait for a connection, and that answers each reversal only once the attempt's old deadline (its timeout
// from the start of its wait) has passed; a real file journal read back at a start.
//
// Ordered by the attempts' own steps, not by how long anything takes: each answer leaves after the old deadline (a
// timer armed as the attempt's journal record is done, before the attempt arms its own, outlasting it by
// OLD_DEADLINE_MARGIN; its `sent` event comes only at the write),
// so the old behaviour times the attempt out first whatever the machine's speed. The fixed behaviour keeps the answer
// as long as it comes within TIMEOUT of the write, which the gate puts GATE_AFTER into the wait: a stall of the process
// of nearly GATE_AFTER - OLD_DEADLINE_MARGIN at the worst moment is needed to time it out. A gate opened late by a
// stall (after the attempts' wait for a connection ended) only means the attempts are tried again, written at once
// and answered: the test still passes, it just does not tell the two behaviours apart on that run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { connectorFor, peerAndConnector, peerFor, tempDir } from './helpers/setup.js';

const TIMEOUT = 3_000; // the attempt's timeout: retryInterval (below requestTimeout)
const GATE_AFTER = 2_500; // the gate opens this long after the attempts started waiting for a connection
const OLD_DEADLINE_MARGIN = 200; // each answer leaves this long after TIMEOUT from its attempt's start

/**
 * A file journal that tells `started` (the STAN) as each attempt's record is done: in that turn the attempt goes on
 * to wait for a connection (it arms its own deadline just after).
 */
class AttemptWatch extends FileJournal {
  private readonly stans = new Map<string, string>();
  constructor(
    dir: string,
    private readonly started: (stan: string) => void,
  ) {
    super(dir);
  }
  override async open(): Promise<JournalEntry[]> {
    const entries = await super.open();
    for (const e of entries) this.stans.set(e.id, String(e.reversal['11']));
    return entries;
  }
  override async attempt(id: string, attempt: number): Promise<void> {
    await super.attempt(id, attempt);
    const stan = this.stans.get(id);
    if (stan !== undefined) this.started(stan);
    attempted();
  }
}
let attempted!: () => void;
const firstAttempt = new Promise<void>((resolve) => (attempted = resolve));

test('saf – reversals written late after a reconnect wait their whole timeout for the answer: one 0401 each', async (t) => {
  const dir = tempDir(t, 'saf-attempt-after-reconnect');
  // The first run: purchases the host never answers, their reversals journaled and left for the next start.
  const { connector: first } = await peerAndConnector(t, () => undefined, {
    reversal: { enabled: true, journal: new FileJournal(dir) },
    requestTimeout: 200,
    saf: { initialDelay: 600_000, retryInterval: 600_000 },
    transactionLog: false,
  });
  await first.connect();
  const stans = ['004401', '004402', '004403'];
  for (const stan of stans) await assert.rejects(first.request(purchase(stan)), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await within(first.destroy(), 10_000, 'the first connector to stop');

  // Each attempt's old deadline: passed once a timer of TIMEOUT + OLD_DEADLINE_MARGIN from its journal record has run.
  const timers = new Set<NodeJS.Timeout>();
  t.after(() => timers.forEach((timer) => clearTimeout(timer)));
  const oldDeadline = new Map<string, Promise<void>>();
  const armOldDeadline = (stan: string): void => {
    if (oldDeadline.has(stan)) return;
    oldDeadline.set(stan, new Promise<void>((resolve) => timers.add(setTimeout(resolve, TIMEOUT + OLD_DEADLINE_MARGIN))));
  };
  // The host: sign-on held until the gate opens, each reversal answered once its attempt's old deadline has passed.
  let open = false;
  const held: Received[] = [];
  const reversals: string[] = [];
  const peer = await peerFor(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti === '0800') {
      if (open) p.send(r.socket, answer(r.message));
      else held.push(r);
      return;
    }
    const stan = String(r.message['11']);
    if (mti.startsWith('040')) reversals.push(`${mti}/${stan}`);
    void (oldDeadline.get(stan) ?? Promise.resolve()).then(() => p.send(r.socket, answer(r.message)));
  });
  const next = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    signOn: true,
    requestTimeout: 30_000,
    reversal: { enabled: true, journal: new AttemptWatch(dir, armOldDeadline) },
    saf: { initialDelay: 0, retryInterval: TIMEOUT },
    transactionLog: false,
  });
  const answered = new Set<string>();
  const all = new Promise<void>((resolve) =>
    next.on('saf', (e) => {
      if (e.stage !== 'answered') return;
      answered.add(String(e.stan));
      if (answered.size === stans.length) resolve();
    }),
  );
  next.connect().catch(() => undefined);
  await next.started();
  await within(firstAttempt, 20_000, 'an attempt journaled'); // the attempts wait for the connection, whose sign-on the host holds
  // Late in that wait (never for ordering: the answers wait for the old deadlines above), the gate opens.
  await new Promise<void>((resolve) => timers.add(setTimeout(resolve, GATE_AFTER)));
  open = true;
  for (const r of held.splice(0)) peer.send(r.socket, answer(r.message));
  await within(all, 30_000, 'every reversal answered');
  assert.deepEqual(reversals.sort(), stans.map((s) => `0401/${s}`), 'exactly one 0401 per entry');
});
