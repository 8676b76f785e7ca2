// The SAF figures a read returns (SafFigures: `reversals`, `nextDue`) are kept by the queue's transitions
// (saf-active.ts), not walked: over random sequences of what happens to a real SafQueue (entries queued, read back,
// answered with a code that ends them or not, unanswered, never left for want of a connection, flushed, woken by a
// connection up, their `done` refused, the queue stopped, time passing for the timers), the kept figures equal a full
// walk of the entries (the former code, below) at the same instant: after every step, and inside every event the queue
// emits (mid-transition). fast-check: a failure names the seed that replays it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { pino } from 'pino';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { propertyRuns } from '@iso8583/test-support';
import { SafQueue } from '../src/saf-queue.js';
import type { SafHost } from '../src/saf-queue.js';
import type { Active } from '../src/saf-entry.js';
import type { SafBacklog } from '../src/saf-backlog.js';
import type { SafEnds } from '../src/saf-ends.js';
import type { SafFigures } from '../src/saf-figures.js';
import type { JournalEntry, ReversalJournal, SafEntryKind } from '../src/saf-store.js';

/** What the test reads inside a queue (its private parts). */
interface Inside {
  active: Map<string, Active>;
  backlog: SafBacklog;
  ends: SafEnds;
  figures: SafFigures;
  stopped: boolean;
}

/** The figures by a full walk, as SafFigures read them before they were kept: ms from `now` to the next due, reversals. */
function walked(q: Inside, now: number): { dueIn: number | undefined; reversals: number } {
  const { active, backlog, ends } = q;
  const left = (q.figures as unknown as { left: Map<string, SafEntryKind> }).left;
  let reversals = ends.unended.reversals + backlog.reversals;
  for (const a of active.values()) if (a.kind === 'reversal') reversals += 1;
  for (const kind of left.values()) if (kind === 'reversal') reversals += 1;
  const dueIn = ((): number | undefined => {
    if (active.size === 0 && ends.unended.entries === 0 && backlog.size === 0) return undefined;
    if (backlog.size > 0 && !q.stopped) return 0;
    let due = Infinity;
    for (const a of active.values()) {
      if (a.waiting === undefined || a.due <= now) return 0;
      due = Math.min(due, a.due);
    }
    if (due > now) due = Math.min(due, ends.nextDue(now));
    return Math.max(0, due - now);
  })();
  return { dueIn, reversals };
}

type Step =
  | { op: 'add'; kind: SafEntryKind; attempts: number; readBack: boolean; age: number }
  | { op: 'answer'; pick: number; ends: boolean }
  | { op: 'fail'; pick: number; neverLeft: boolean }
  | { op: 'flush'; pick: number | undefined }
  | { op: 'linkUp' }
  | { op: 'doneFails'; fails: boolean }
  | { op: 'stop' }
  | { op: 'time'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('add' as const), kind: fc.constantFrom<SafEntryKind>('reversal', 'advice'), attempts: fc.nat(2), readBack: fc.boolean(), age: fc.nat(20) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('answer' as const), pick: fc.nat(), ends: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fail' as const), pick: fc.nat(), neverLeft: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('flush' as const), pick: fc.option(fc.nat(), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('linkUp' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('doneFails' as const), fails: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'stop' as const }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('time' as const), ms: fc.nat(4) }) },
);

const settings = fc.record({
  initialDelay: fc.nat(6),
  retryInterval: fc.integer({ min: 1, max: 8 }),
  messageInterval: fc.nat(3),
  maxInFlight: fc.integer({ min: 1, max: 4 }),
  maxAttempts: fc.nat(4),
  expireAfter: fc.constantFrom(0, 15, 40),
});

/** An error with a code, as the connector's sends fail. */
function coded(code: string): Error {
  return Object.assign(new Error(code), { code });
}

test('SafFigures – the kept reversals and next due equal a full walk of the entries, after every step and inside every event, over random sequences', async () => {
  const dialect = getDialect('iso87ascii');
  await fc.assert(
    fc.asyncProperty(settings, fc.array(step, { minLength: 1, maxLength: 60 }), async (s, steps) => {
      const sends: { resolve: (m: IsoMessage) => void; reject: (e: Error) => void }[] = [];
      const mismatches: string[] = [];
      let inside: Inside | undefined;
      const check = (where: string): void => {
        if (inside === undefined) return;
        const now = performance.now();
        const kept = { dueIn: inside.figures.dueIn(inside.stopped, now), reversals: inside.figures.reversals };
        const walk = walked(inside, now);
        if (kept.dueIn !== walk.dueIn || kept.reversals !== walk.reversals) mismatches.push(`${where}: kept ${JSON.stringify(kept)}, walked ${JSON.stringify(walk)}`);
      };
      let doneFails = false;
      const journal: ReversalJournal = {
        open: () => Promise.resolve([]),
        add: () => Promise.resolve(),
        attempt: () => Promise.resolve(),
        done: () => (doneFails ? Promise.reject(coded('ISO8583_ERR_CONNECTOR_STORE_UNAVAILABLE')) : Promise.resolve()),
        close: () => Promise.resolve(),
      };
      const host: SafHost = {
        sendReversal: () => new Promise<IsoMessage>((resolve, reject) => sends.push({ resolve, reject })),
        reversalEvent: (e) => check(`event ${e.stage}`),
        safEnded: () => undefined,
        logger: pino({ level: 'silent' }),
      };
      const queue = new SafQueue(host, journal, { ...s, endCodes: [], requestTimeout: 5 }, dialect);
      inside = queue as unknown as Inside;
      let ids = 0;
      let stopping: Promise<void> | undefined;
      for (const st of steps) {
        switch (st.op) {
          case 'add': {
            ids += 1;
            const id = `e${ids}`;
            const reversal = { '0': st.kind === 'reversal' ? '0420' : '0220', '4': '000000001000', '11': String(100_000 + ids), '41': 'TERM0001' };
            const entry: JournalEntry = { id, reversal, at: Date.now() - st.age, kind: st.kind, ...(st.readBack ? { attempts: st.attempts } : {}) };
            queue.activate(entry, st.readBack);
            break;
          }
          case 'answer':
          case 'fail': {
            if (sends.length === 0) break;
            const [send] = sends.splice(st.pick % sends.length, 1);
            if (st.op === 'answer') send?.resolve({ '0': '0430', '39': st.ends ? '00' : '05' });
            else send?.reject(coded(st.neverLeft ? 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' : 'ISO8583_ERR_CONNECTOR_TIMEOUT'));
            break;
          }
          case 'flush':
            queue.flush(st.pick === undefined ? undefined : `e${(st.pick % Math.max(1, ids)) + 1}`);
            break;
          case 'linkUp':
            queue.linkUp();
            break;
          case 'doneFails':
            doneFails = st.fails;
            break;
          case 'stop':
            stopping ??= queue.stop();
            break;
          case 'time':
            await new Promise((resolve) => setTimeout(resolve, st.ms));
            break;
        }
        check(`after ${st.op}`);
        await new Promise(setImmediate);
        check(`a turn after ${st.op}`);
      }
      // The end: every send answered, the queue stopped (its timers cleared), the ends' retries given up.
      stopping ??= queue.stop();
      for (const send of sends.splice(0)) send.resolve({ '0': '0430', '39': '00' });
      await stopping;
      check('stopped');
      inside = undefined;
      assert.deepEqual(mismatches, []);
    }),
    propertyRuns(60),
  );
});
