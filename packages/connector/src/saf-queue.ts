/**
 * The store-and-forward (SAF) queue's sending side, after jPOS SAF: every entry (a reversal, or an advice a caller
 * sent with `saf: true`) is already durable in the journal; it is sent `initialDelay` ms after it was journaled, then
 * repeated as xxx1 (0121, 0221, 0401, 0421; 1221 with a 1993 dialect) every `retryInterval` until the host answers
 * (in time, or late while the entry is open: saf-late.ts) with a response code that ends it (the dialect's
 * `approvalCodes` and `endCodes`; with no `endCodes`, any answer but one of its `systemErrorCodes`; a reversal ended by
 * a code that is no approval is logged at warn). Attempts leave the queue at least `messageInterval` ms apart, at most `maxInFlight` in flight at once (saf-window.ts);
 * entries read back at a start or taken over are queued a chunk a turn of the event loop (saf-backlog.ts). An entry
 * is given up after `maxAttempts` attempts (`abandoned`) or `expireAfter` ms after it was journaled (`expired`); an
 * attempt never written (`unwritten`, saf-entry.ts: no connection, or refused before the write, unless the codec
 * refused the message itself) is not counted, and the next one goes under its number and MTI (see `attempt`): only an
 * attempt that may have reached the bank counts. One the codec refuses (`unsendable`) is parked: not counted either,
 * kept, and not tried again here (not even by a flush).
 * Every attempt is journaled before it leaves (a file journal that cannot write, its folder removed say, does not hold
 * an entry back: it is sent unjournaled, saf-unjournaled.ts). So a journal can hold an entry with no attempt
 * recorded that did reach the host: an entry read back at a start (or taken over from another node) goes as a repeat
 * from its first attempt there (0221, 0401: "may have been sent before"; a host that never saw the original handles
 * the repeat as the original), and a message that may have reached the host is only ever followed by repeats. An
 * entry that ended is marked done (durably) before its end is recorded, counted and emitted, and is never sent again
 * (saf-ends.ts: a `done` that fails, a file journal that cannot record it).
 */
import { performance } from 'node:perf_hooks';
import type { Dialect, IsoMessage, Iso8583Error } from '@iso8583/codec';
import type { JournalEntry, ReversalJournal } from './saf-store.js';
import { transmissionTime } from './auto-fill.js';
import { markSent } from './request-sent.js';
import { deadlineError } from './timeouts.js';
import { SafEnds, answeredEnding } from './saf-ends.js';
import { endsWith, entryEvent, goOnAs, noneHere, parkUnsendable, repeatWait, spent, uncount, unsendable, unwritten, wallWait } from './saf-entry.js';
import { LinkWaiters } from './saf-link-wait.js';
import { unjournaledAttempt } from './saf-unjournaled.js';
import { AttemptWindow } from './saf-window.js';
import { SafBacklog } from './saf-backlog.js';
import { SafFigures } from './saf-figures.js';
import { SafActive } from './saf-active.js';
import { SafFlush, sendEarly } from './saf-flush.js';
import { LateAnswers, lateTurn, type SafAttempt } from './saf-late.js';
import { SafWarnings } from './saf-warnings.js';
import { activeOf, holdUntil } from './saf-hold.js';
import { giveUp } from './saf-give-up.js';
import type { Active } from './saf-entry.js';
import type { SafEvent, SafHost, SafSettings } from './saf-event.js';

export type { SafCounts, SafEnd, SafOutcome } from './saf-ends.js';
export type { SafEvent, SafHost, SafSettings } from './saf-event.js';
export { attemptMti } from './saf-event.js';
export { SAF_REPEAT_WARNINGS_PER_SECOND } from './saf-warnings.js';

/** Entries being sent until they end (see the file's opening comment). */
export class SafQueue {
  /** Entries being sent, with the figures read of them kept as they change (saf-active.ts: `wait`, `go`). */
  private readonly active = new SafActive();
  /** A flush (what a graceful stop asks) walking the entries a chunk a turn (saf-flush.ts). */
  private readonly flushes = new SafFlush(this.active, (a) => this.sendEarly(a));
  /** Entries whose last attempt never left for want of a connection: the next one up or free sends them (`linkUp`). */
  private readonly links = new LinkWaiters();
  /** Entries that ended, on their way to the journal (`done`), then recorded, counted and emitted (saf-ends.ts). */
  private readonly ends: SafEnds;
  private stopped = false;
  /**
   * The attempts in flight: at most `maxInFlight` at once, the others waiting for a place in order; and those being
   * journaled or written, which `stop` waits for (an answer arriving meanwhile is recorded before the journal closes,
   * else a shared store hands the entry back, and another node sends an answered reversal again). saf-window.ts.
   */
  private readonly window: AttemptWindow;
  /** Entries read back or taken over and not queued yet: queued a chunk a turn (saf-backlog.ts). */
  private readonly backlog: SafBacklog;
  /** What it holds not yet ended, by kind, and when the next thing may happen to one (saf-figures.ts). */
  readonly figures: SafFigures;
  /** The caps of its warning lines (saf-warnings.ts). */
  private readonly warnings: SafWarnings;
  /** The unanswered last attempts of the entries still open, whose late answer may end them (saf-late.ts). */
  private readonly late: LateAnswers;

  constructor(
    private readonly host: SafHost,
    private readonly journal: ReversalJournal,
    private readonly settings: SafSettings,
    private readonly dialect: Dialect,
  ) {
    this.warnings = new SafWarnings(host.logger);
    this.ends = new SafEnds(host, journal, settings.retryInterval, settings, this.warnings.journal);
    this.late = new LateAnswers(host.answerKeys);
    const live = (a: Active): boolean => this.active.get(a.entry.id) === a;
    this.window = new AttemptWindow(settings.maxInFlight, (a) => void this.attempt(a, false), live, settings.messageInterval);
    this.backlog = new SafBacklog((entry) => this.activate(entry, true), (id) => this.active.has(id) || this.ends.has(id));
    this.figures = new SafFigures({ backlog: this.backlog, active: this.active, ends: this.ends, journal });
  }

  /** When the next thing may happen to an entry not yet ended (ms since the epoch; {@link SafFigures.nextDue}). */
  nextDue(): number | undefined {
    return this.figures.nextDue(this.stopped);
  }

  /**
   * Starts sending an entry already durable in the journal: one this process made, or (`readBack`) one read back from
   * the journal at a start or taken over from another node, which goes as a repeat from its first attempt here; held
   * until `until` settles when given (saf-hold.ts). After `stop` it is only counted (`SafFigures.keep`): the journal
   * keeps it for the next start.
   */
  activate(entry: JournalEntry, readBack = false, until?: Promise<unknown>): void {
    if (this.active.has(entry.id) || this.ends.has(entry.id)) return;
    if (this.stopped) {
      this.figures.keep(entry);
      return;
    }
    // Times in the process are monotonic from here on: a wall clock step (NTP, a VM resumed) neither delays an entry
    // nor expires it unsent; only its age when it comes in is read from the wall clock (`at`).
    const a = activeOf(entry, readBack, this.settings.expireAfter, performance.now());
    this.active.set(entry.id, a);
    // A resumed entry that was sent before goes again at once; a new one waits `initialDelay` from its journaling.
    const go = (): void => this.at(a, performance.now() + (a.attempts > 0 ? 0 : wallWait(entry.at, this.settings.initialDelay)));
    // `until`: a reversal stored for an original still in flight here is held until its outcome is known (saf-hold.ts).
    if (until === undefined) go();
    else holdUntil(this.active, a, until, () => this.stopped || go());
    // After its timer is set: a listener that flushes the queue (a graceful stop) sends it at once.
    this.host.reversalEvent({ stage: 'queued', ...entryEvent(a, a.attempts) });
  }

  /**
   * Queues the entries read back at a start, or taken over (`readBack`, see `activate`), a chunk a turn (saf-backlog.ts):
   * each id once. Resolves once all are queued, or at a `stop` (those left stay in the journal for the next start).
   */
  resume(entries: readonly JournalEntry[]): Promise<void> {
    return this.backlog.add(entries);
  }

  /** Counts `entries` (read back at a start) with those not yet ended, before `resume` queues them (saf-backlog.ts `hold`). */
  expect(entries: readonly JournalEntry[]): void {
    this.backlog.hold(entries);
  }

  /**
   * Sends at once every entry waiting for its next attempt (not one parked, `parkUnsendable`): what a graceful stop
   * asks (saf-flush.ts, a chunk a turn; attempts still `messageInterval` apart). With `id`, only that entry (one just
   * queued). Returns how many were sent early in this turn (at most `SAF_FLUSH_TURN_ENTRIES`; the others follow).
   */
  flush(id?: string): number {
    return this.stopped ? 0 : this.flushes.start(id);
  }

  /**
   * A connection is up or given back free: every entry whose last attempt never left for want of a connection goes at
   * once, each once (saf-link-wait.ts); one whose attempt left keeps its timer. Returns how many were sent early.
   */
  linkUp(): number {
    return this.stopped ? 0 : this.links.wake((a) => this.sendEarly(a));
  }

  /** Sends `a` now if it waits for its next attempt (saf-flush.ts `sendEarly`). */
  private sendEarly(a: Active): number {
    return sendEarly(this.active, a, (x) => void this.attempt(x, false));
  }

  /**
   * Stops sending (on close): no attempt starts from now on, and the attempts in flight (one being journaled still
   * leaves) are waited for (at most twice `min(requestTimeout, retryInterval)`, request-sender.ts `safAttempt`), so
   * that an answer to one reaches the journal before it closes. A `Connector.destroy` meanwhile ends that wait at once
   * (the attempt fails). What is unfinished stays in the journal for the next start.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.backlog.stop();
    this.flushes.stop();
    this.window.stop();
    for (const a of this.active.values()) clearTimeout(a.timer);
    this.late.clear(); // once stopped no late answer ends an entry (`lateAnswer`): no attempt (message) is kept for one
    this.ends.stop();
    await this.window.settled(2 * Math.min(this.settings.requestTimeout, this.settings.retryInterval) + 100);
  }

  /** Runs the next attempt of `a` at `when` (`performance.now()` time), or at its expiry if sooner. */
  private at(a: Active, when: number, slotted = false): void {
    const due = Math.min(when, a.expires) - performance.now();
    if (due <= 0) {
      void this.attempt(a, slotted);
      return;
    }
    this.active.wait(a, slotted ? 'slot' : 'attempt', performance.now() + due);
    a.timer = setTimeout(() => {
      this.active.go(a);
      void this.attempt(a, slotted);
    }, due);
    a.timer.unref();
  }

  private async attempt(a: Active, slotted: boolean): Promise<void> {
    if (this.stopped || !this.active.has(a.entry.id)) {
      this.window.leave(a);
      return;
    }
    this.links.started(a);
    const now = performance.now();
    const s = this.settings;
    if (now >= a.expires) {
      // Read back with attempts and none made here: an earlier run's last attempt's outcome is not known here.
      this.end(a, 'expired', entryEvent(a, a.attempts), undefined, undefined, a.attempts > 0 && noneHere(a));
      return;
    }
    const n = a.attempts + 1;
    // Read back with its attempts spent and none made here: an earlier run stopped before its last attempt's end was
    // recorded (a crash before or during it, or an answer whose `done` the journal refused), so whether that attempt
    // left is not known here. It gets one more attempt, a repeat, rather than be given up perhaps never sent.
    if (s.maxAttempts > 0 && spent(a, n) > s.maxAttempts && !noneHere(a)) {
      this.end(a, 'abandoned', entryEvent(a, a.attempts));
      return;
    }
    // A place among the attempts in flight (`maxInFlight`), kept through its slot's wait; else it waits for one.
    if (!this.window.enter(a)) return;
    // Each attempt takes the next free slot, so that entries due together leave `messageInterval` apart (saf-window.ts).
    const slot = slotted ? now : this.window.slot(now);
    if (slot > now) {
      this.active.wait(a, 'slot', slot);
      a.timer = setTimeout(() => {
        this.active.go(a);
        void this.attempt(a, true);
      }, slot - now);
      a.timer.unref();
      return;
    }
    const started = performance.now();
    const startedAt = Date.now();
    // In flight from its journaling on: a stop that comes meanwhile waits for it, and it leaves (the link is still up),
    // rather than being journaled as sent and then not sent (the next start would send a repeat of what never left).
    const release = this.window.track();
    // The attempt is durable before it leaves: a later start then knows a first attempt may have reached the host.
    // Its flight (the write by one timeout, the answer's wait one more): a shared store lets no other node take the
    // entry over before, and says when it ends (what is left then, in halves: the write, then the answer's wait).
    let timeout = Math.min(s.requestTimeout, s.retryInterval);
    try {
      const ends = await this.journal.attempt(a.entry.id, n, 2 * timeout);
      if (typeof ends === 'number') timeout = Math.min(timeout, (ends - performance.now()) / 2);
    } catch (err) {
      if (!this.sendUnjournaled(a, n, err as Iso8583Error, started)) {
        release();
        return;
      }
    }
    if (!this.active.open(a)) { // ended meanwhile by a late answer to an earlier attempt (`lateAnswer`)
      this.window.leave(a);
      release();
      return;
    }
    a.attempts = n;
    const base = entryEvent(a, n);
    const message: IsoMessage = { ...a.entry.reversal, '0': base.mti };
    // A host that wants field 7 as the time of each attempt (DialectReversal.freshTransmissionTime: SmartVista).
    if (a.kind === 'reversal' && this.dialect.reversal?.freshTransmissionTime === true) message['7'] = transmissionTime();
    // `sent` once it is written (in the turn of the write): an attempt that never left (no connection) has none. One
    // whose record took all of its flight (a shared store's `ends` passed, or not a millisecond left) does not start:
    // it takes no connection and is not counted as a request; it fails as one that found none (DEADLINE, never written).
    const settled = (
      timeout < 1
        ? Promise.reject(markSent(deadlineError(base.mti), false))
        : this.host.sendReversal(message, timeout, () => this.host.reversalEvent({ stage: 'sent', ...base }))
    ).then(
      (response) => {
        this.window.leave(a);
        return this.answer({ a, n, base, message, started, startedAt }, response);
      },
      (err: Iso8583Error) => {
        this.window.leave(a);
        if (this.stopped || !this.active.open(a) || n <= (a.followed ?? 0)) return; // ended meanwhile, or of what it went on from
        // Refused by the codec, or never written (no connection, or refused before the write: `unwritten`): it never
        // reached the bank, so it is not counted (the next goes under the same number and MTI, a first stays 0220; an
        // entry is never given up unseen); a shared store takes it back too (`uncount`: no fence).
        if (unsendable(err) || unwritten(err)) uncount(this.journal, a, n);
        if (unsendable(err)) return parkUnsendable(this.active, this.host.logger, a, base, err); // saf-entry.ts
        this.warnings.repeat(`unanswered ${err.code}`, { ...base, code: err.code }, 'SAF entry not answered: will repeat');
        if (unwritten(err)) {
          this.links.failed(a, err.code); // for want of a connection, it waits for one (`linkUp`) as well as its timer
          this.retryAt(a, started + s.retryInterval, base, err.code);
          return;
        }
        this.next(a, base, started, startedAt, err.code);
        // Written, unanswered (timed out, or lost with its connection, or its answer bad), the entry still open (its next
        // attempt due, or gone already): a late answer to this one is still the host's answer to it (saf-late.ts).
        if (this.active.open(a)) this.late.unanswered({ a, n, base, message, started, startedAt });
      },
    );
    // Settled once its outcome is handed to the journal (`ends.end` calls `done` in the same turn; after `followUp`).
    settled.then(release, release);
  }

  /** The answer `response` to attempt `x`: it ends the entry (`answered`), or the entry repeats (`refused`). */
  private answer(x: SafAttempt, response: IsoMessage): Promise<void> | void {
    const { a, base, message, started, startedAt } = x;
    if (!this.active.open(a) || x.n <= (a.followed ?? 0)) return; // one outcome; never an answer to what it went on from (goOnAs)
    const rc = typeof response['39'] === 'string' ? response['39'] : undefined;
    if (endsWith(this.dialect, this.settings, rc, base.mti)) {
      this.active.ending(a, true);
      const ended = (): void => {
        this.late.forget(a);
        this.active.delete(a.entry.id);
        this.ends.end(answeredEnding(this.dialect, this.host.logger, x, response, rc)); // saf-ends.ts
      };
      // What must follow the answer (`SafHost.followUp`) is durable before the entry's end is: else it goes on as that.
      const follow = this.host.followUp?.(message, response, a.entry);
      if (follow === undefined) return ended();
      return follow.then((instead) => {
        if (instead === undefined) return ended();
        this.active.ending(a, false);
        this.late.forget(a); // a late answer to what it went on from ends nothing now, nor its attempts' answers (followed)
        // Not stored: it goes on as that, at once (a stop meanwhile leaves it open in the journal, as journaled).
        goOnAs(a, instead, this.settings.expireAfter > 0 ? performance.now() + this.settings.expireAfter : Infinity);
        if (!this.stopped) this.at(a, performance.now());
      });
    }
    if (this.stopped) return;
    this.warnings.repeat('refused', { ...base, responseCode: rc, code: 'ISO8583_WARN_SAF_REFUSED' }, 'SAF entry answered with a response code that does not end it: will repeat');
    this.host.reversalEvent({ stage: 'refused', ...base, responseCode: rc });
    this.next(a, base, started, startedAt, undefined, repeatWait(this.dialect, rc, a, this.settings.retryInterval, base.mti));
  }

  /**
   * A late response to an attempt of an entry still open (saf-late.ts) is handled as one in time, and true; else false.
   * While its next attempt is in flight (or due in its slot), only an answer that ends it is taken (one outcome). Off
   * the read loop (`lateTurn`): a throw handling it is a rejection there, and the stop's count released.
   */
  lateAnswer(response: IsoMessage): boolean {
    const rc = typeof response['39'] === 'string' ? response['39'] : undefined;
    const takes = ({ a, n, base }: SafAttempt): boolean => this.active.open(a) && ((a.waiting === 'attempt' && a.attempts === n) || endsWith(this.dialect, this.settings, rc, base.mti));
    const late = this.stopped ? undefined : this.late.take(response, takes);
    if (late === undefined) return false;
    const release = this.window.track();
    lateTurn(late.a).then(() => {
      if (!this.active.open(late.a)) return; // ended by its attempt's own answer, in this read
      clearTimeout(late.a.timer);
      if (late.a.waiting === 'slot') this.window.leave(late.a); // its place back; one in flight gives it back as it settles
      this.active.go(late.a);
      return this.answer(late, response);
    }).then(release, release);
    return true;
  }

  /** An attempt that cannot be journaled (saf-unjournaled.ts): true to send it anyway. */
  private sendUnjournaled(a: Active, n: number, err: Iso8583Error, started: number): boolean {
    const what = this.stopped ? 'stopped' : unjournaledAttempt(this.journal, this.host.logger, this.warnings.journal, a, n, err);
    if (what === 'send') return true;
    // Its place first: a retry due at once takes one again.
    this.window.leave(a);
    if (what === 'stopped') return false;
    if (what === 'retry') {
      this.retryAt(a, started + this.settings.retryInterval, entryEvent(a, a.attempts), err.code);
      return false;
    }
    clearTimeout(a.timer);
    this.late.forget(a);
    if (this.active.delete(a.entry.id)) this.host.reversalEvent({ stage: 'released', ...entryEvent(a, a.attempts), code: err.code });
    return false;
  }

  /**
   * After an attempt (which left at `started`, `startedAt` on the wall clock) that did not end the entry (refused, or
   * unanswered: `code`): the last one abandons it, else the next is due `wait` after (`retryInterval`; longer after
   * system errors in a row, `repeatWait`).
   */
  private next(a: Active, base: Omit<SafEvent, 'stage'>, started: number, startedAt: number, code: string | undefined, wait = this.settings.retryInterval): void {
    if (this.settings.maxAttempts > 0 && spent(a) >= this.settings.maxAttempts) {
      this.end(a, 'abandoned', base, started, startedAt);
      return;
    }
    this.retryAt(a, started + wait, base, code);
  }

  /**
   * Parks `a` until `when` (`performance.now()` time) after an attempt that did not end it, and says when it is due
   * (`waiting`, with `code` when the attempt failed); unless it is due already: then it goes (or ends) at once.
   */
  private retryAt(a: Active, when: number, base: Omit<SafEvent, 'stage'>, code: string | undefined): void {
    this.at(a, when);
    if (a.waiting !== 'attempt') return;
    const nextAttempt = Date.now() + Math.max(0, a.due - performance.now());
    this.host.reversalEvent({ stage: 'waiting', ...base, ...(code === undefined ? {} : { code }), nextAttempt });
  }

  /** Gives `a` up without an answer (saf-give-up.ts). `t0`/`at`: when its last attempt left, or now; `unknown`: see there. */
  private end(a: Active, outcome: 'abandoned' | 'expired', base: Omit<SafEvent, 'stage'>, t0 = performance.now(), at = Date.now(), unknown = false): void {
    giveUp({ active: this.active, late: this.late, window: this.window, ends: this.ends, logger: this.host.logger }, a, outcome, base, t0, at, unknown);
  }
}
