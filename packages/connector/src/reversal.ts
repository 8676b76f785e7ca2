/**
 * Automatic reversal. An authorisation or financial request (0100, 0200, or their repeats 0101, 0201) whose outcome is
 * unknown — it timed out, the connection dropped after it was written, its response did not decode — is reversed: a
 * 0400 (or 0420 advice) with the original's fields of `reversal.fields` and field 90 (original data elements),
 * repeated as 0401 (0421) every `retryInterval` until the host answers. The reversal is journaled before the original
 * leaves; a later start sends whatever the journal still holds.
 *
 * With an ISO 8583:1993 dialect (`Dialect.version`) the same holds one version up: 1100/1200 (1101/1201) are reversed
 * with 1400 or 1420 (repeats 1401, 1421), the original data elements travel in field 56, and the reversal says what
 * it is in field 24 (function code 400, full reversal) and field 25 (message reason code 4021, timeout waiting for
 * the response).
 */
import { ownedMessage } from '@iso8583/codec';
import type { IsoMessage, Iso8583Error, MessageInput, Dialect } from '@iso8583/codec';
import type { JournalEntry, JournalHalt, ReversalJournal } from './journal.js';
import type { ConnectorStats } from './accounting.js';
import { ReversalPlan } from './reversal-message.js';
import { SafQueue, attemptMti } from './saf-queue.js';
import type { SafCounts } from './saf-queue.js';
import type { ReversalHost, ReversalSettings } from './reversal-setup.js';
import { watchClaims } from './journal-claims.js';
import { ReversalsUnderway } from './reversals-underway.js';
import { OVERTAKEN_FOR_MS, OVERTAKEN_MAX, OvertakenReversals } from './reversal-overtaken.js';
import { OvertakenDrops } from './reversal-overtaken-drops.js';
import { keepsOvertaken, keptAtStop, safQueueHost } from './reversal-host.js';
import { ReversalsAgain } from './reversal-again.js';
import { ReversalFollowUp } from './reversal-follow.js';
import { DeclinedInTime } from './reversal-declined.js';
import { inTurns } from './saf-backlog.js';
import { StoredEntries } from './reversal-stored.js';
import { ArmedEntry, entryId, entryOf, isArmed } from './reversal-entry.js';

/** The reversal MTI of attempt `n` (1-based): the first is the configured MTI, the others its repeat (0401, 0421). */
export { attemptMti };

/**
 * Keeps the SAF queue's entries: reversals armed (journaled, original in flight) and entries being sent until they
 * end ({@link SafQueue}: the connector's reversals, and the advices stored with `saf: true`). One reversal sequence
 * per original across any number of restarts (see saf-queue.ts).
 */
export class ReversalManager {
  private readonly queue: SafQueue;
  /** How this connector's reversals are built (MTI in the dialect's version, `reversal.fields`), made once. */
  private readonly plan: ReversalPlan;
  private readonly underway: ReversalsUnderway;
  /** Reversals that undid nothing and late approvals of their originals, here or across nodes (reversal-follow.ts). */
  private readonly follow: ReversalFollowUp;
  /** The reversals that undid nothing this node's memory forgot before their window closed (reversal-overtaken-drops.ts). */
  private readonly drops: OvertakenDrops;
  /** This node's memory of the reversals that undid nothing (reversal-overtaken.ts). */
  private readonly overtaken: OvertakenReversals;
  /** Entries reversed although their original was answered (its record failed): a `25` to them is final (reversal-host.ts). */
  private readonly answeredOriginals = new Set<string>();
  /** With a shared store: how long after its add was asked for an original may still be written (`lease - claimInterval`). */
  private readonly sendWithin: number;
  private stopClaims: (() => void) | undefined;
  /** What `open` returned, counted already (`SafQueue.expect`): `resume` of the same list does not go through it again. */
  private expected: readonly JournalEntry[] | undefined;
  /** The entries journaled and queued here: callers' (`store`) and this manager's own (reversal-stored.ts). */
  private readonly stored: StoredEntries;
  /** The journal's destroy, once `abort` began it. */
  private destroying: Promise<void> | undefined;

  constructor(
    private readonly host: ReversalHost,
    readonly journal: ReversalJournal,
    readonly options: ReversalSettings,
    readonly dialect: Dialect,
  ) {
    // A released entry's transaction stays refused until another claim can take it: the lease and a claim interval.
    const { lease, claimInterval = 0 } = journal;
    this.underway = new ReversalsUnderway(host, dialect, Math.max(120_000, lease === undefined ? 0 : lease + claimInterval));
    this.sendWithin = lease === undefined ? Infinity : lease - claimInterval;
    this.plan = new ReversalPlan(options.mti, dialect, options.fields);
    const again = new ReversalsAgain(this.plan, host, (message, id) => this.stored.add(entryOf(message, id)), options.retryInterval, dialect, undefined, journal.capRepeat?.bind(journal));
    this.drops = new OvertakenDrops(host.logger, OVERTAKEN_MAX);
    journal.overtakenDropsTo?.(this.drops); // the file journal's drops past its own cap, named and counted alike
    this.overtaken = new OvertakenReversals(dialect, this.plan.approvalFields(), OVERTAKEN_MAX, OVERTAKEN_FOR_MS, this.drops);
    const declined = new DeclinedInTime(dialect, host);
    this.follow = new ReversalFollowUp(this.overtaken, again, journal, host, (answer) => this.underway.untilUnarmed(this.underway.requestKey(answer)), declined);
    // Each answer that ends an entry is followed up before its end is journaled (reversal-host.ts).
    this.queue = new SafQueue(safQueueHost(this.underway.host, host.answerKeys, this.follow, this.overtaken, journal, (id) => this.answeredOriginals.delete(id)), journal, options, dialect);
    this.stored = new StoredEntries(journal, this.queue, this.underway, host, options.maxEntries);
  }

  /**
   * True while the transaction `message` names (STAN and terminal) is held here: a request of it armed (in flight on
   * any connection of this connector), or its reversal under way (queued, not ended); `own`: the request's own armed
   * entry, not counted (the check just before its write).
   */
  reversing(message: MessageInput, own?: JournalEntry): boolean {
    return this.underway.has(message, own?.id);
  }

  /** Reversals not yet ended (journaled, original's outcome unknown; being sent, or answered and waiting for `done`). */
  get pending(): number {
    return this.queue.figures.reversals;
  }

  /** Entries not yet ended in the SAF queue (reversals and advices being sent, or waiting for their `done`). */
  get depth(): number {
    return this.queue.figures.depth;
  }

  /** How entries ended since the start: delivered, expired, abandoned. */
  get ended(): SafCounts {
    return this.queue.figures.ended;
  }

  /** Reversals that undid nothing forgotten before their window closed, since the start (`ConnectorStats.safOvertakenDropped`). */
  get overtakenDropped(): number { return this.drops.count; }

  /** The SAF figures of `ConnectorStats`: depth, how entries ended since the start, and what the journal does not hold. */
  figures(): Pick<ConnectorStats, 'safDepth' | 'safDelivered' | 'safExpired' | 'safAbandoned' | 'safNotDurable' | 'safNotStored' | 'safUnrecorded' | 'safOvertakenDropped'> {
    const q = this.queue.figures;
    const ended = q.ended;
    return { safDepth: q.depth, safDelivered: ended.delivered, safExpired: ended.expired, safAbandoned: ended.abandoned, safNotDurable: q.notDurable, safNotStored: q.notStored, safUnrecorded: q.unrecorded, safOvertakenDropped: this.drops.count };
  }

  /** Why the journal stopped for good, or once closed why its files were lost while idle (`ReversalJournal.halted`); `undefined` otherwise. */
  halted(): JournalHalt | undefined {
    return this.journal.halted?.();
  }

  /** When the next thing may happen to an entry not yet ended (ms since the epoch; see {@link SafQueue.nextDue}). */
  nextDue(): number | undefined {
    return this.queue.nextDue();
  }

  /**
   * Opens the journal; returns the entries an earlier run left unfinished, not yet started (see `resume`). Before this
   * resolves (a chunk a turn of the event loop: saf-backlog.ts `inTurns`), each is counted with the entries not yet
   * ended (a stop before `resume` reports it, left in the journal), and its transaction is under way (`reversing`): a
   * repeat of an original whose reversal is still waiting to be queued must not go out.
   */
  async open(): Promise<JournalEntry[]> {
    const left = await this.journal.open();
    await inTurns(left, (chunk) => {
      this.underway.expect(chunk);
      this.queue.expect(chunk);
    });
    this.expected = left;
    // A shared store: entries whose holder died are taken over while running, not only at the start.
    this.stopClaims = watchClaims(this.journal, (entries) => this.resume(entries), this.host.logger);
    // A shared store: the repeats late approvals call for that a node found and stopped before storing.
    this.follow.start();
    return left;
  }

  /**
   * Starts sending the entries an earlier run left unfinished (what `open` returned), or another node's taken over
   * (`claim`): each as a repeat from its first attempt here, since it may have been sent unrecorded (see saf-queue.ts).
   * They are queued a chunk a turn of the event loop (saf-backlog.ts: a large backlog never holds the loop), each id
   * once, and counted in the SAF depth from now on; a stop meanwhile leaves those not queued in the journal.
   */
  resume(entries: readonly JournalEntry[]): void {
    const counted = entries === this.expected;
    this.expected = undefined;
    void this.queue.resume(counted ? [] : entries);
  }

  /**
   * Journals the reversal of `original` before it is sent; resolves once durable. With a store that takes JSON text
   * (`addJson`: the file journal) the reversal is written straight from the original, and its message object is
   * made from that text only if the reversal is ever sent. `answerWithin`: the original's answer timeout (default
   * `requestTimeout`): a shared store keeps other nodes off the entry until its answer is due (`addOriginal`).
   */
  async arm(original: MessageInput, answerWithin: number = this.options.requestTimeout): Promise<JournalEntry> {
    const id = entryId();
    const at = Date.now();
    const asked = performance.now();
    let entry: ArmedEntry;
    // Held from this turn (the caller's `reversing` check was in it too): another request of the transaction, on any
    // connection of this connector, is refused from now, not only once this one is journaled.
    this.underway.arm(id, original);
    try {
      if (this.journal.addJson !== undefined) {
        const json = this.plan.json(original);
        entry = new ArmedEntry(id, at, json, undefined);
        await this.journal.addJson(id, json, at);
      } else {
        const reversal = this.plan.build(original);
        entry = new ArmedEntry(id, at, undefined, reversal);
        // A shared store refuses it while the same transaction is pending on another node (its reversal under way there).
        await (this.journal.addOriginal === undefined ? this.journal.add({ id, reversal, at }) : this.journal.addOriginal({ id, reversal, at }, answerWithin));
      }
    } catch (err) {
      this.underway.settle(id);
      throw err;
    }
    entry.armed = true;
    entry.sendBy = asked + this.sendWithin;
    entry.stored = performance.now();
    return entry;
  }

  /**
   * Whether the original of `entry` may no longer be written (a shared store: later than `lease - claimInterval` ms
   * after its add was asked for, as after a stall waiting for a connection, or once the journal's hold broke since
   * then, `heldSince`): another node may be reversing it.
   */
  late(entry: JournalEntry): boolean {
    if (!(entry instanceof ArmedEntry)) return false;
    if (performance.now() > entry.sendBy) return true;
    if (this.journal.heldSince === undefined) return false;
    const since = this.journal.heldSince();
    return since === undefined || since > entry.stored;
  }

  /**
   * Stores an advice (or a reversal the caller built) in the SAF queue: resolves with its entry once durable (the
   * caller's answer), then sends it in the background until it ends. A message of the reversal class (the MTI's
   * second digit `4`: 0400, 0420, 1420, ...) is filed as a reversal, like the connector's own: field 7 fresh on each
   * attempt where the dialect asks for it, counted among the reversals pending, ended `reversed`, logged at error when
   * given up. Anything else is an advice (ended `delivered`).
   */
  store(message: IsoMessage): Promise<JournalEntry> {
    return this.stored.store(message);
  }

  /**
   * True while a reversal under way here (queued, not ended) names the transaction of `message` by STAN and terminal,
   * and acquirer and card agreeing when both are known (`ReversalsUnderway.holdsUnderway`).
   */
  holdsUnderway(message: MessageInput): boolean {
    return this.underway.holdsUnderway(message);
  }

  /**
   * The reversal under way here (queued, not ended) of the transaction the reversal `message` names (its original's
   * STAN, field 90 or 56, and terminal), by its entry id; else `undefined`.
   */
  reversalOf(message: MessageInput): string | undefined {
    return this.underway.reversalOf(message);
  }

  /** True while the original the reversal `message` names is in flight here (`ReversalsUnderway.originalInFlight`). */
  originalInFlight(message: MessageInput): boolean {
    return this.underway.originalInFlight(message);
  }

  /** Resolves once the original the reversal `message` names is in flight here no more; `false` if it still is at `by` (`ReversalsUnderway.originalSettled`). */
  originalSettled(message: MessageInput, by: number): Promise<boolean> {
    return this.underway.originalSettled(message, by);
  }

  /**
   * The original was answered: marks the entry done and resolves once that is durable, so that the caller sees the
   * response only when no later start can reverse it. When the record cannot be written, the outcome cannot be kept:
   * the original is reversed (its entry is still on disk) and this rejects with `ISO8583_ERR_CONNECTOR_JOURNAL`, so
   * that the caller sees a failure, consistent with the reversal. The reversal carries the amount journaled at arm (the
   * request's), not the amount a partial approval moved: the journal that just failed cannot take a new one, and a
   * restart or a takeover resends what it holds, so every attempt carries the same field 4. `response`: the answer,
   * when it approves, retires a reversal of the transaction that undid nothing (reversal-follow.ts `approvedInTime`).
   *
   * A failed record that may have committed unseen (a shared store whose reply was lost: `ReversalJournal.reopen`)
   * would leave the entry done, its reversal never sent by a later start or another node: this rejects only once the
   * entry is pending again in the journal, tried until `deadline` (a `performance.now()` time; default: the request
   * timeout from now). Should the process die before, its caller gets no answer (the terminal's own reversal then
   * covers it); should the deadline, or the journal's close (the connector destroyed), come first, this rejects all
   * the same, logged at error: the journal tries the reopen again until it is stored or the journal closes (the close
   * hands the entry back with its lease, which reopens it if the store is back by then), counted meanwhile in
   * `safNotStored` (no attempt is sent before the store records it); one left at close is NOT in the store.
   */
  async answered(entry: JournalEntry, deadline: number = performance.now() + this.options.requestTimeout, response?: IsoMessage): Promise<void> {
    if (!isArmed(entry)) return;
    try {
      // An approval retires a reversal of its transaction that undid nothing, with this `done` (reversal-follow.ts).
      if (response !== undefined) this.follow.approvedInTime(entry, response);
      await this.journal.done(entry.id, 'not-needed');
      entry.armed = false;
      this.underway.settle(entry.id);
    } catch (err) {
      const code = (err as Iso8583Error).code;
      this.host.logger.error({ id: entry.id, code }, 'the response could not be recorded in the journal: reversing it');
      const reopening = this.journal.reopen?.(entry.id, deadline);
      this.answeredOriginals.add(entry.id);
      this.trigger(entry);
      if (reopening !== undefined && !(await reopening)) {
        this.host.logger.error(
          { id: entry.id, code },
          'the reversal of a response that could not be recorded is not in the store yet (the store is away): stored (then sent) once the store is back, tried until this process stops; counted as not durable (safNotStored) until then',
        );
      }
      throw err;
    }
  }

  /**
   * The original never left (or its failure says nothing reached the host): no reversal; resolves once durable. When
   * its end cannot be recorded, the entry stays in the journal, and a later start (or another node) would reverse it
   * whatever was sent meanwhile: it is reversed now instead (a reversal of an original the host never had undoes
   * nothing), and its transaction stays held here until that reversal ends (`reversing`), so that no repeat, here or
   * through an upstream group elsewhere, is approved and then undone by it.
   */
  async disarm(entry: JournalEntry): Promise<void> {
    if (!isArmed(entry)) return;
    try {
      await this.journal.done(entry.id, 'not-needed');
    } catch (err) {
      this.host.logger.error({ id: entry.id, code: (err as Iso8583Error | undefined)?.code }, 'cannot mark a reversal done in the journal: reversing it');
      this.trigger(entry);
      return;
    }
    entry.armed = false;
    // Held until its end is durable (as `answered` does): a repeat let through before would be undone by this entry's
    // reversal at the next start if the process died first.
    this.underway.settle(entry.id);
  }

  /**
   * The original's outcome is unknown, or its answer could not be recorded: start reversing, with the reversal as
   * journaled (sent and stored never differ: a later start or a takeover resends the journal's).
   */
  trigger(entry: JournalEntry): void {
    if (!isArmed(entry)) return;
    entry.armed = false;
    // A plain entry from here on (its message made now, from the JSON text journaled, when it was written as text). A
    // copy: a message built from the request's fields keeps the whole request (cut from its text) alive while queued.
    this.queue.activate({ id: entry.id, reversal: ownedMessage(entry.reversal), at: entry.at });
  }

  /**
   * A late response (its request timed out): when it answers the last attempt of an SAF entry (saf-late.ts), that
   * entry's answer (true). When it approves a transaction whose reversal was answered lately with a
   * code that undid nothing (the reversal overtook its original at the host: `25`, original not found), the reversal
   * is stored again as a repeat (`0401`), with the amount the approval moved when it may, and logged at `warn`; returns
   * whether this node's memory found it (an approval that comes before that reversal's answer is remembered, and the
   * answer stores it). With a shared store, an approval found nowhere in memory is looked up there in the background:
   * the reversal's answer may have reached another node (reversal-follow.ts). A store that fails is tried again every
   * `retryInterval` while the process runs, logged at `error` (reversal-again.ts). `unsolicited` (default false): no
   * timed-out request is tied to `answer` (unsolicited.ts `approval`), or one is but `answer` echoes another field 7
   * than it sent (connector-parts.ts, tied by the late keys' fallback): only such an approval is checked against the
   * in-time declines remembered (reversal-declined.ts).
   */
  lateAnswer(answer: IsoMessage, unsolicited = false): boolean {
    // The answer to an SAF entry's last attempt, which timed out, while the entry waits for its next: it ends it.
    if (this.queue.lateAnswer(answer)) return true;
    return this.follow.lateAnswer(answer, Date.now(), unsolicited);
  }

  /**
   * The host's copy of an unsolicited approval that came through {@link lateAnswer} already (unsolicited.ts,
   * late-keys.ts `Copy`): with a shared store, looked up there again (another node's reversal of its booking may have
   * been answered `25` since: that reversal is stored again as a repeat, once), never noted in memory again; nothing
   * with any other store (reversal-follow.ts `lateAnswer`, `copy`).
   */
  lateCopy(answer: IsoMessage): void {
    this.follow.lateAnswer(answer, Date.now(), true, true);
  }

  /**
   * Whether `answer`, a response no request waits for and no timed-out key of its connector names (late-keys.ts
   * forgets the oldest past 1024 timeouts per connection open at once, at most 16 connections' worth), approves a transaction whose reversal this node remembers as undoing
   * nothing: it is then that original's late approval (unsolicited.ts hands it to {@link lateAnswer}).
   */
  remembersOvertaken(answer: IsoMessage): boolean {
    return this.overtaken.remembers(answer);
  }

  /** A connection is up or free: sends at once the SAF entries whose last attempt found none (see {@link SafQueue.linkUp}); returns how many. */
  linkUp(): number {
    return this.queue.linkUp();
  }

  /** Sends at once the SAF entries waiting for their next attempt, or only entry `id` (see {@link SafQueue.flush}); returns how many. */
  flush(id?: string): number {
    return this.queue.flush(id);
  }

  /**
   * Aborts (`Connector.destroy`): no attempt starts from now on, and a journal that can be destroyed (PostgreSQL:
   * `ReversalJournal.destroy`) is, at once: what it has in flight is cut after its short grace, so that the stop that
   * follows waits for no store that stopped answering. What is unfinished stays in the journal for the next start.
   */
  abort(): void {
    this.stopClaims?.();
    this.follow.stop();
    void this.queue.stop();
    this.destroying ??= this.journal.destroy?.().catch(() => undefined);
  }

  /**
   * Stops sending (on close): waits for the attempts in flight (bounded by their timeout, see {@link SafQueue.stop}),
   * then closes the journal (or waits for its destroy, after `abort`). What is unfinished stays in the journal for the
   * next start.
   */
  async stop(): Promise<void> {
    this.stopClaims?.();
    this.follow.stop();
    await this.queue.stop();
    // A reversal that undid nothing while its original may still be approved: kept for the next start, by the journal
    // itself when it keeps such ends (the file journal, reversal-host.ts), else journaled again as a repeat now.
    if (this.destroying !== undefined) this.follow.loseAtStop();
    else if (keepsOvertaken(this.journal)) keptAtStop(this.overtaken, this.journal, this.host.logger, (entry) => this.queue.figures.keep(entry));
    else await this.follow.keepAtStop((message, at) => this.stored.add({ ...entryOf(message, entryId()), at }));
    await (this.destroying ?? this.journal.close());
  }
}
