/**
 * How a SAF entry ends, in one order: its outcome marked done in the journal, and only once that is durable, its end
 * recorded (the host's `safEnded`: the transaction log), counted and emitted (`answered`, `expired`, `abandoned`), so
 * that whoever sees the event finds the entry closed on disk and in the log. A `done` that fails is tried again every
 * `retryInterval` while the queue runs (logged once), and the entry is never sent again in this process meanwhile; if
 * the process stops first, the entry is still open in the journal and the next start sends it again (a repeat: `0401`,
 * `0221`; one expired is given up again at once; one abandoned gets one more attempt, a repeat, since a start cannot
 * know whether its last attempt left). Until its end is emitted the entry is not ended for the queue's figures either
 * (`unended`: the SAF depth, what a stop waits for).
 *
 * Except when the file journal cannot record it (`ISO8583_ERR_CONNECTOR_JOURNAL`: a full disk, its folder removed):
 * the host answered (or the entry was given up), only the record of it failed, and a journal that may never heal must
 * not hold the end back. The entry ends in memory at once (recorded, counted, emitted), logged once at error with what
 * the next start does: with the journal stopped for good (`halted`), nothing is tried again, and the next start sends
 * the entry again when its record stayed on disk, or does not know of it when the journal's file is gone; else its
 * `done` is tried again every `retryInterval` while the queue runs, quietly, and logged at info once durable. A shared
 * store (PostgreSQL) out of reach keeps the order above: the end waits until `done` commits. The ends emitted in memory
 * and still open in the journal's file are counted (`unrecorded`) for a stop to say so.
 *
 * What the queue's figures read of the ends waiting for their `done` (`unended`, `nextDue`: a metrics scrape, the
 * console, each `saf` event of a graceful stop) is kept as they change, as saf-active.ts keeps the entries being sent:
 * how many wait, the reversals among them (saf-kinds.ts), how many have a `done` under way, and their retries by when
 * each is due (due-heap.ts). Every change of `waiting` or `pending` goes through {@link SafEnds.change}, so no read
 * walks them.
 */
import { performance } from 'node:perf_hooks';
import type { Dialect, IsoMessage, Iso8583Error } from '@iso8583/codec';
import type { Logger } from 'pino';
import { DueHeap } from './due-heap.js';
import { journalState } from './saf-store.js';
import { SafKinds } from './saf-kinds.js';
import type { JournalHalt, JournalOutcome, ReversalJournal } from './saf-store.js';
import type { LogLimits } from '@iso8583/metrics';
import { logCapped, logQuietly } from './quiet-log.js';
import type { SafEvent, SafHost } from './saf-queue.js';
import { unapprovedEnd } from './saf-entry.js';
import type { SafAttempt } from './saf-late.js';

/** How a SAF entry ended: answered (`reversed`, a reversal; `delivered`, an advice), `expired` or `abandoned`. */
export type SafOutcome = Exclude<JournalOutcome, 'not-needed'>;

/**
 * The end of a SAF entry, handed to its host once durable in the journal (before the event): what the transaction
 * log records, one record per entry. An answer with a code that does not end an entry ends nothing: not handed on.
 */
export interface SafEnd {
  /** How it ended. */
  outcome: SafOutcome;
  /** The entry's message as its last attempt carried it (that attempt's MTI: `0401`, `0221`); as journaled when none was made. */
  message: IsoMessage;
  /** The host's answer that ended it (`reversed`, `delivered`); absent for `expired` and `abandoned`. */
  response?: IsoMessage;
  /**
   * When the attempt that ended it left (ms since the epoch); for an end without an answer, when its last attempt left
   * (`abandoned` after it) or when it was given up (`expired`, or a start that finds it spent).
   */
  at: number;
  /** Milliseconds from `at` until the end was durable in the journal. */
  latencyMs: number;
  /**
   * The log code of an end without an answer (`ISO8583_WARN_SAF_EXPIRED`, `ISO8583_WARN_SAF_ABANDONED`), or of an
   * answer that ended it without accepting it (`ISO8583_WARN_SAF_REVERSAL_DECLINED`, `ISO8583_WARN_SAF_ADVICE_DECLINED`:
   * no `saf.endCodes`, a decline ends it): the transaction record's `errorCode`.
   */
  code?: string;
}

/** Counts of how entries ended since the connector started (each once its end was durable). */
export interface SafCounts {
  /** Entries answered with a response code that ends them. */
  delivered: number;
  /** Entries given up after `expireAfter`. */
  expired: number;
  /** Entries given up after `maxAttempts`. */
  abandoned: number;
}

/** The tries of one entry's `done`: how many failed, and whether it was ended in memory meanwhile. */
interface Tries {
  failed: number;
  inMemory: boolean;
}

/** An entry's end on its way to the journal. */
export interface Ending {
  /** The entry's id. */
  id: string;
  /** Its {@link SafEnd}, but for the latency, measured from `t0` once `done` is durable. */
  end: Omit<SafEnd, 'latencyMs'>;
  /** `end.at` on the monotonic clock (`performance.now()`). */
  t0: number;
  /** The event that follows the record (`answered`, `expired`, `abandoned`). */
  event: SafEvent;
}

/**
 * The end of the entry of attempt `x` by its answer `response` (code `rc`): `delivered` (an advice) or `reversed`; a
 * reversal or an advice ended by a code that accepts nothing is logged at warn (`unapprovedEnd`).
 */
export function answeredEnding(dialect: Dialect, logger: Logger, x: SafAttempt, response: IsoMessage, rc: string | undefined): Ending {
  const { a, base, message, started, startedAt } = x;
  const amount = a.entry.reversal['4'];
  const event: SafEvent = { stage: 'answered', ...base, responseCode: rc, amount: typeof amount === 'string' ? amount : undefined };
  const declined = unapprovedEnd(dialect, a.kind, rc, base.mti);
  if (declined !== undefined) logger.warn({ ...base, responseCode: rc, code: declined.code }, declined.msg);
  // A declined end keeps its code in the end (the transaction record's `errorCode`): a reversal the host refused is not
  // shown as one that undid the money.
  const end: Ending['end'] = { outcome: a.kind === 'advice' ? 'delivered' : 'reversed', message, response, at: startedAt, ...(declined === undefined ? {} : { code: declined.code }) };
  return { id: a.entry.id, end, t0: started, event };
}

/** The ends of a SAF queue's entries on their way to the journal, and the counts of those that got there. */
export class SafEnds {
  private readonly counts: SafCounts = { delivered: 0, expired: 0, abandoned: 0 };
  /**
   * Entries whose `done` is not durable yet: the timer of the next try of a failed one and when it is due
   * (`performance.now()` time), `undefined` while a `done` is under way.
   */
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; due: number } | undefined>();
  /** Ends not emitted yet (their event waits for `done`), by kind: not ended for the queue's figures either. */
  private readonly waiting = new SafKinds();
  /** Ends emitted in memory whose `done` is not durable (the file journal refused it): still open on disk. */
  private readonly inMemory = new Set<string>();
  /** Entries of `waiting` whose `done` is under way (`pending` holds `undefined` for them). */
  private underWay = 0;
  /** Entries of `waiting` whose failed `done` is tried again, by when (`pending`'s `due`). */
  private readonly retries = new DueHeap<string>();
  private stopped = false;

  constructor(
    private readonly host: Pick<SafHost, 'logger' | 'reversalEvent' | 'safEnded'>,
    private readonly journal: ReversalJournal,
    private readonly retryInterval: number,
    /**
     * `saf.expireAfter` (0: none): an entry whose age is past it is given up by the next start, not sent.
     */
    private readonly limits: { readonly expireAfter: number } = { expireAfter: 0 },
    /**
     * The cap on the "cannot be journaled" lines, shared with the queue's (saf-queue.ts): a backlog with a full disk
     * ends thousands of entries in memory, one line each. Default: none (every end logged).
     */
    private readonly lines?: LogLimits,
  ) {}

  /** How entries ended since the start. */
  get ended(): SafCounts {
    return { ...this.counts };
  }

  /**
   * Ends whose event waits for their `done` (a store out of reach), by kind: not ended yet, so still part of the SAF
   * depth; the ones a stop leaves are open in the store, and the next start sends them again.
   */
  get unended(): { entries: number; reversals: number } {
    return { entries: this.waiting.size, reversals: this.waiting.reversals };
  }

  /**
   * Ends emitted (counted, recorded) in memory whose `done` the file journal refused and that are still open in its
   * file: the next start sends them again (a repeat the host answers as a duplicate), unless a refused `done` reached
   * the file before the journal stopped. 0 once the journal's records are lost (`halted().recordsLost`): a later start
   * does not know of them.
   */
  get unrecorded(): number {
    return this.journal.halted?.()?.recordsLost === true ? 0 : this.inMemory.size;
  }

  /**
   * When the next thing may happen to an end whose event waits for its `done` (`performance.now()` time): `now` while
   * a `done` is under way, the next try of a failed one (`retryInterval` after it), Infinity when none waits or no
   * `done` will be tried again in this process (the queue stopped, or the journal stopped for good).
   */
  nextDue(now: number): number {
    // A retry after `stop` never comes; one overdue (its timer not run yet) is due before `now`.
    const retry = this.stopped ? Infinity : this.retries.earliest;
    return this.underWay > 0 ? Math.min(now, retry) : retry;
  }

  /** True while the end of entry `id` is on its way to the journal: it must be neither activated nor sent. */
  has(id: string): boolean {
    return this.pending.has(id);
  }

  /**
   * Marks the entry done, in this turn (the SAF queue's `stop` counts on it), then records, counts and emits. An end
   * that another node now holds (`ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST`: an end without an answer, which only the
   * holder may write) is `released` to it, neither counted nor recorded here.
   */
  end(e: Ending): void {
    this.change(e.id, () => {
      this.pending.set(e.id, undefined);
      this.waiting.set(e.id, e.event.kind);
    });
    const tries: Tries = { failed: 0, inMemory: false };
    const tryDone = (): void => {
      this.change(e.id, () => this.pending.set(e.id, undefined));
      new Promise<void>((resolve) => resolve(this.journal.done(e.id, e.end.outcome))).then(
        () => {
          this.forget(e.id);
          this.inMemory.delete(e.id);
          if (!tries.inMemory) this.durable(e);
          else logQuietly(this.host.logger, 'info', { id: e.id, outcome: e.end.outcome }, 'the end of a SAF entry ended in memory is journaled now: the next start does not send it again');
        },
        (err: Iso8583Error | undefined) => this.notDone(e, tries, err, tryDone),
      );
    };
    tryDone();
  }

  /** A `done` of `e` that failed (`tries` so far): released, ended in memory, tried again (`again`) or left open. */
  private notDone(e: Ending, tries: Tries, err: Iso8583Error | undefined, again: () => void): void {
    const code = err?.code;
    const outcome = e.end.outcome;
    if (code === 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST') {
      this.forget(e.id);
      const base = this.base(e);
      this.host.logger.warn({ ...base, code }, 'the SAF entry is held by another node: its end is not recorded here');
      this.host.reversalEvent({ stage: 'released', ...base, code });
      return;
    }
    tries.failed += 1;
    const halt = this.journal.halted?.();
    if (code === 'ISO8583_ERR_CONNECTOR_JOURNAL' && !tries.inMemory) {
      // The file journal cannot record it (a full disk, its folder removed), and may never: the host's answer (or the
      // decision to give up) stands, only its record failed. Ended in memory now, logged once; never sent again here.
      tries.inMemory = true;
      this.change(e.id, () => this.waiting.delete(e.id));
      this.inMemory.add(e.id);
      this.unjournaled(e, code, halt);
      this.durable(e);
    }
    if (this.stopped || halt !== undefined) {
      // Nothing to try again: the queue stops, or the journal stopped for good.
      this.change(e.id, () => this.pending.delete(e.id));
      if (!tries.inMemory) this.host.logger.error({ id: e.id, outcome, code }, `cannot mark a SAF entry done in the journal: it stays open, and the next start ${this.nextStart(e)}`);
      return;
    }
    // A store out of reach (or a file journal whose write failed) may come back: tried again, logged the first time.
    if (tries.failed === 1 && !tries.inMemory) {
      this.host.logger.error({ id: e.id, outcome, code }, 'cannot mark a SAF entry done in the journal: not sent again, tried again every retryInterval');
    }
    const timer = setTimeout(again, this.retryInterval);
    timer.unref();
    this.change(e.id, () => this.pending.set(e.id, { timer, due: performance.now() + this.retryInterval }));
    // Still not ended (unless in memory): said with when its `done` is tried next, for a stop that waits for it.
    if (!tries.inMemory) this.host.reversalEvent({ stage: 'waiting', ...this.base(e), ...(code === undefined ? {} : { code }), nextAttempt: Date.now() + this.retryInterval });
  }

  /** The end of entry `id` is neither waiting nor pending any more (its `done` durable, or released). */
  private forget(id: string): void {
    this.change(id, () => {
      this.pending.delete(id);
      this.waiting.delete(id);
    });
  }

  /**
   * Makes `f`, a change of entry `id` in `waiting` or `pending` (the only way either changes), and keeps what is read of
   * them: the entry's share is taken out before and put back after.
   */
  private change(id: string, f: () => void): void {
    this.count(id, -1);
    f();
    this.count(id, 1);
  }

  /** Adds (`sign` 1) or takes out (-1) entry `id`'s share of the kept figures, by where it is now. */
  private count(id: string, sign: 1 | -1): void {
    if (!this.waiting.has(id) || !this.pending.has(id)) return;
    const retry = this.pending.get(id);
    if (retry === undefined) this.underWay += sign;
    else if (sign === 1) this.retries.set(id, retry.due);
    else this.retries.delete(id);
  }

  /** What every event of `e` carries. */
  private base(e: Ending): Omit<SafEvent, 'stage'> {
    const { kind, id, mti, stan, terminal, attempt } = e.event;
    return { kind, id, mti, stan, terminal, attempt };
  }

  /**
   * What the next start does with `e` should its end stay open in the journal: one answered is sent again as a repeat
   * (even with its attempts spent: a start cannot know whether the last one left), and one abandoned too, once more;
   * unless its age is past `expireAfter` by then: then it is given up at once, unsent. One expired is found open and
   * given up again.
   */
  private nextStart(e: Ending): string {
    if (e.event.stage === 'expired') return 'finds it open again (and gives it up again)';
    const { expireAfter } = this.limits;
    const again =
      e.event.stage === 'answered'
        ? 'sends it again (the host answers it as a duplicate)'
        : 'sends it once more, as a repeat (it cannot know whether the last attempt left)';
    const unless = e.event.stage === 'answered' ? 'expired unsent, although the host answered it' : 'expired unsent';
    return expireAfter > 0 ? `${again}, unless saf.expireAfter has passed by then (${unless})` : again;
  }

  /**
   * Logs, once and at error, that the end of `e` is in memory only, why (`halt`), and what the next start does; capped
   * per code and journal state (`lines`), the ends left out counted in the next line (`suppressed`).
   */
  private unjournaled(e: Ending, code: string, halt: JournalHalt | undefined): void {
    const again = this.nextStart(e);
    const journal = journalState(halt);
    const msg =
      halt === undefined
        ? `the end of a SAF entry cannot be journaled (the write failed): ended in memory; its done record is tried again every retryInterval, and should the process stop first, the next start ${again}`
        : halt.recordsLost
          ? 'the end of a SAF entry cannot be journaled (the journal is gone): ended in memory; the next start does not know of it'
          : `the end of a SAF entry cannot be journaled (the journal stopped): ended in memory; unless the refused done record reached the file, the entry stays open in it and the next start ${again}`;
    const fields = { ...this.base(e), outcome: e.end.outcome, code, journal, reason: halt?.reason };
    if (this.lines === undefined) logQuietly(this.host.logger, 'error', fields, msg);
    else logCapped(this.host.logger, this.lines, `end ${code} ${journal}`, 'error', fields, msg);
  }

  /** Stops trying again (on close): a `done` in progress still settles; what never got there stays open in the journal. */
  stop(): void {
    this.stopped = true;
    for (const retry of this.pending.values()) clearTimeout(retry?.timer);
  }

  /** An end durable in the journal: recorded, counted, emitted. */
  private durable(e: Ending): void {
    this.host.safEnded({ ...e.end, latencyMs: performance.now() - e.t0 });
    const outcome = e.end.outcome;
    this.counts[outcome === 'reversed' ? 'delivered' : outcome] += 1;
    this.host.reversalEvent(e.event);
  }
}
