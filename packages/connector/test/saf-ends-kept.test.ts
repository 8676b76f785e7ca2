// What the SAF queue's figures read of the ends waiting for their `done` (SafEnds: `unended`, `nextDue`) is kept as
// they change, not walked: over random sequences of what happens to a real SafEnds (entries ended, their `done`
// answered, refused by a store out of reach, by a file journal that cannot record it, or by a lease another node now
// holds; the journal stopped for good, the queue stopped, time passing for the retries), the kept figures equal a
// full walk of its ends (the former code, below) at the same instant: after every step, a turn later, and inside
// every event it emits (mid-change). fast-check: a failure names the seed that replays it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { pino } from 'pino';
import { propertyRuns } from '@iso8583/test-support';
import { SafEnds } from '../src/saf-ends.js';
import type { SafOutcome } from '../src/saf-ends.js';
import type { SafEvent } from '../src/saf-queue.js';
import type { JournalHalt, ReversalJournal, SafEntryKind } from '../src/saf-store.js';

/** What the walk reads inside a SafEnds (its private parts). */
interface Inside {
  pending: Map<string, { due: number } | undefined>;
  waiting: Map<string, SafEntryKind>;
  stopped: boolean;
}

/** The figures by a full walk of the ends, as SafEnds read them before they were kept. */
function walked(ends: SafEnds, now: number): { entries: number; reversals: number; due: number } {
  const { pending, waiting, stopped } = ends as unknown as Inside;
  let reversals = 0;
  for (const kind of waiting.values()) if (kind === 'reversal') reversals += 1;
  let due = Infinity;
  for (const id of waiting.keys()) {
    if (!pending.has(id)) continue;
    const retry = pending.get(id);
    due = Math.min(due, retry === undefined ? now : stopped ? Infinity : retry.due);
  }
  return { entries: waiting.size, reversals, due };
}

/** How a `done` under way settles. */
type Settle = 'durable' | 'unavailable' | 'journal' | 'leaseLost';

type Step =
  | { op: 'end'; kind: SafEntryKind; outcome: SafOutcome }
  | { op: 'settle'; pick: number; how: Settle }
  | { op: 'halt'; recordsLost: boolean }
  | { op: 'stop' }
  | { op: 'time'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('end' as const), kind: fc.constantFrom<SafEntryKind>('reversal', 'advice'), outcome: fc.constantFrom<SafOutcome>('reversed', 'delivered', 'expired', 'abandoned') }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('settle' as const), pick: fc.nat(), how: fc.constantFrom<Settle>('durable', 'unavailable', 'unavailable', 'journal', 'leaseLost') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('halt' as const), recordsLost: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'stop' as const }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('time' as const), ms: fc.nat(5) }) },
);

/** An error with a code, as a journal refuses a record. */
function coded(code: string): Error {
  return Object.assign(new Error(code), { code });
}

const CODES: Record<Exclude<Settle, 'durable'>, string> = {
  unavailable: 'ISO8583_ERR_CONNECTOR_STORE_UNAVAILABLE',
  journal: 'ISO8583_ERR_CONNECTOR_JOURNAL',
  leaseLost: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST',
};

test('SafEnds – the kept unended counts and next due equal a full walk of the ends, after every step and inside every event, over random sequences', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(step, { minLength: 1, maxLength: 60 }), async (retryInterval, steps) => {
      const dones: { resolve: () => void; reject: (e: Error) => void }[] = [];
      const mismatches: string[] = [];
      let ends: SafEnds | undefined;
      const check = (where: string): void => {
        if (ends === undefined) return;
        const now = performance.now();
        const kept = { ...ends.unended, due: ends.nextDue(now) };
        const walk = walked(ends, now);
        if (JSON.stringify(kept) !== JSON.stringify(walk)) mismatches.push(`${where}: kept ${JSON.stringify(kept)}, walked ${JSON.stringify(walk)}`);
      };
      let halt: JournalHalt | undefined;
      const journal: ReversalJournal = {
        open: () => Promise.resolve([]),
        add: () => Promise.resolve(),
        attempt: () => Promise.resolve(),
        done: () => new Promise<void>((resolve, reject) => dones.push({ resolve, reject })),
        close: () => Promise.resolve(),
        halted: () => halt,
      };
      const host = {
        logger: pino({ level: 'silent' }),
        reversalEvent: (e: { stage: string }) => check(`event ${e.stage}`),
        safEnded: () => check('safEnded'),
      };
      ends = new SafEnds(host, journal, retryInterval);
      let ids = 0;
      for (const st of steps) {
        switch (st.op) {
          case 'end': {
            ids += 1;
            const id = `e${ids}`;
            const stage: SafEvent['stage'] = st.outcome === 'reversed' || st.outcome === 'delivered' ? 'answered' : st.outcome;
            const event = { stage, kind: st.kind, id, mti: st.kind === 'reversal' ? '0420' : '0220', stan: String(100_000 + ids), terminal: 'TERM0001', attempt: 1 };
            ends.end({ id, end: { outcome: st.outcome, message: { '0': event.mti }, at: Date.now() }, t0: performance.now(), event });
            break;
          }
          case 'settle': {
            if (dones.length === 0) break;
            const [done] = dones.splice(st.pick % dones.length, 1);
            if (st.how === 'durable') done?.resolve();
            else done?.reject(coded(CODES[st.how]));
            break;
          }
          case 'halt':
            halt = { reason: 'its file was removed', recordsLost: st.recordsLost };
            break;
          case 'stop':
            ends.stop();
            break;
          case 'time':
            // The retries due meanwhile fire: each tries its `done` again.
            await new Promise((resolve) => setTimeout(resolve, st.ms));
        }
        // Read at once, and once more after the turn's promises settled (a `done` answered, refused).
        for (const when of ['after', 'a turn after']) {
          if (when !== 'after') await new Promise(setImmediate);
          check(`${when} ${st.op}`);
        }
      }
      // The end: the retries stopped, every `done` under way settled.
      ends.stop();
      for (const done of dones.splice(0)) done.resolve();
      await new Promise(setImmediate);
      check('stopped');
      ends = undefined;
      if (mismatches.length > 0) console.error(mismatches.slice(0, 3).join('\n'));
      assert.deepEqual(mismatches, []);
    }),
    propertyRuns(60),
  );
});
