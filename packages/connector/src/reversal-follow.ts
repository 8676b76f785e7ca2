/**
 * What follows a reversal answered with a code that undid nothing (`25`, original not found: it overtook its original
 * at the host) when the host then approves the original late: the reversal is stored again as a repeat (0401), once.
 * On one node the two are matched in memory (reversal-overtaken.ts) and the repeat stored (reversal-again.ts).
 *
 * With a journal several nodes share (PostgreSQL: `ReversalJournal.undidNothing` and `lateApproval`) the reversal's
 * answer and the late approval may reach two nodes: node B took over node A's reversal and got the `25`, the late
 * approval comes on node A's connection (or the other way round, the approval first). So the code is written to the
 * entry's row before its end (not kept in memory: the row is the one place every node looks), and a late approval
 * this node remembers no reversal of looks there: it finds the code (the reversal is stored again from here), or
 * leaves its kept fields (no card data) on its transaction's pending entry, which the node whose reversal is answered
 * next reads with its code. Neither is cleared when read: the repeat is stored under an id the row gives it, the same
 * on every node and try, so it is stored once however many nodes read it, and a node that stops before its store is
 * durable leaves the row calling for it: the next attempt's answer finds the approval left on a pending entry, and
 * a late approval found with the code is left on the row too, where any node's read of the repeats owed (`start`:
 * at the start and every minute, `ReversalJournal.repeatsOwed`) finds it while its repeat is not stored.
 *
 * Both statements do the same when run again, so one that fails (the store away, or its reply lost after it
 * committed: the code written, another node's approval taken, the outcome unknown here) is tried again every
 * `retryInterval` (logged once at `warn`, `ISO8583_WARN_SAF_OVERTAKEN_RETRY`) until it answers, within
 * `OVERTAKEN_FOR_MS` of the first answer that undid nothing (or of the late approval's arrival): what a late approval
 * may call for is known only to the row, so nothing goes on as if the write had failed. Meanwhile the entry answered
 * does not end: a stop leaves it open in the journal (the next attempt, here or on another node, is answered `25`
 * again, a repeat the bank takes as one, and writes the code). Past that window the code is logged at `error`
 * (`ISO8583_WARN_SAF_OVERTAKEN_LOCAL`) and the reversal remembered in this node's memory only, as with a single
 * node (a repeat approved in time on another node cannot retire it there: the late approval reaching this node is
 * reversed even so), and the look-up at `error` (`ISO8583_WARN_SAF_LATE_APPROVAL_UNCHECKED`): if another node's
 * reversal of it undid nothing, that approval stands.
 */
import type { IsoMessage, Iso8583Error } from '@iso8583/codec';
import type { Logger } from 'pino';
import type { JournalEntry, ReversalJournal } from './saf-store.js';
import type { OvertakenReversals } from './reversal-overtaken.js';
import { OVERTAKEN_FOR_MS, OWED_EVERY_MS, repeatOf } from './reversal-overtaken.js';
import type { ReversalsAgain, Retried } from './reversal-again.js';
import type { DeclinedInTime } from './reversal-declined.js';

/** What a reversal's answer that undid nothing finds on its entry's row: another node's late approval, and the repeat's id. */
type Left = { approval: IsoMessage; againId: string };
/** What a late approval finds in the shared journal: a reversal of it that undid nothing, its code and the repeat's id. */
type Found = { reversal: IsoMessage; responseCode: string; againId: string };

/** The follow-up of reversal answers and late approvals (see the file's opening comment). */
export class ReversalFollowUp {
  /** The reads of the repeats owed (`start`), until `stop`. */
  private owedTimer: NodeJS.Timeout | undefined;
  /** Whether a read of the repeats owed is under way (one at a time). */
  private owedReading = false;
  /**
   * The late approvals waiting for a request of their transaction in flight (`lateAnswer`), by transaction key: each
   * marked when that request is approved in time (`approvedInTime`): `remembered`, reported only; `shared`, looked up only.
   */
  private readonly deferred = new Map<string, { approved: false | 'remembered' | 'shared' }[]>();

  /**
   * @param overtaken This node's memory of reversals that undid nothing and of late approvals.
   * @param again The stores of the reversals late approvals call for.
   * @param journal The SAF store: with `undidNothing` and `lateApproval` (a store several nodes share), the entry's row
   *   is where a reversal that undid nothing is kept; without, memory alone.
   * @param host Its logger.
   * @param inFlight While a request of the transaction `answer` names (its STAN and terminal) is in flight here (a
   *   repeat, `0201`, or the request resent): resolves once it is no more (answered, or its own reversal queued);
   *   `undefined` when none is (`ReversalsUnderway.untilUnarmed`). Default: never.
   * @param declined The in-time declines remembered, an approval after one is reported (reversal-declined.ts: never reversed);
   *   default none.
   */
  constructor(
    private readonly overtaken: OvertakenReversals,
    private readonly again: ReversalsAgain,
    private readonly journal: Pick<ReversalJournal, 'undidNothing' | 'lateApproval' | 'repeatsOwed' | 'retireOvertaken'>,
    private readonly host: { readonly logger: Logger },
    private readonly inFlight: (answer: IsoMessage) => Promise<unknown> | undefined = () => undefined,
    private readonly declined?: DeclinedInTime,
  ) {}

  /**
   * The SAF queue's `followUp`: attempt `sent` of `entry` was answered `response`, which ends the entry (not recorded
   * yet). The reversal a late approval already calls for is stored first (or handed back, to send in place); with a
   * shared journal, a code that undid nothing is written to the entry's row first (a late approval another node left
   * there is reversed from here). `since`: when it was first answered so (`firstUndidNothing(entry)`, computed once by
   * the caller, reversal-host.ts), from which its window runs.
   */
  answered(sent: IsoMessage, response: IsoMessage, entry: Pick<JournalEntry, 'id'>, since: number): Promise<IsoMessage | undefined> | undefined {
    const shared = this.journal.undidNothing !== undefined && this.overtaken.undidNothing(sent, response);
    const again = this.overtaken.answered(sent, response, !shared, since);
    if (again !== undefined) return this.again.store(again, true);
    return shared ? this.share(entry.id, sent, response, since) : undefined;
  }

  /**
   * The request of the armed entry `entry` was answered in time with `response` (its `done` follows at once): when that
   * approves it, a reversal of its transaction remembered as undoing nothing is retired, in memory and in the journal
   * that keeps such reversals (its `done` record says so: `ReversalJournal.retireOvertaken`), so that neither the
   * original's late approval (the same booking) nor the next start reverses what the terminal is told approved. The
   * journal decides by what it keeps, whatever this node's memory holds (its notes age out and a newer booking of the
   * STAN replaces one): with a shared journal (`undidNothing`) the reversal's row, maybe another node's; with the file
   * journal its kept records (`retiring` matches them itself and does nothing when it keeps none).
   */
  approvedInTime(entry: JournalEntry, response: IsoMessage): void {
    this.declined?.answered(entry, response); // a decline, remembered: an approval after it is reported
    const remembered = this.overtaken.approvedInTime(entry, response);
    // A late approval waiting for this request: when the request retired a reversal remembered here (a repeat after
    // its transaction's reversal undid nothing: the same booking), it is the booking the late approval reports: marked,
    // it is reported only. With a shared store, not remembered here, the request may be another transaction reusing the
    // STAN: marked `shared`, the late approval is not noted by STAN and terminal, but still looked up (the `done` of
    // this request, durable before the mark is read, retired a row of the same booking in the same statement: the
    // look-up finds only another booking's 25).
    if (this.deferred.size > 0 && this.overtaken.isLateApproval(response) && (remembered || this.journal.lateApproval !== undefined)) {
      for (const waiting of this.deferred.get(this.overtaken.keyOf(entry.reversal)) ?? []) waiting.approved = remembered ? 'remembered' : 'shared';
    }
    if (remembered || this.overtaken.isLateApproval(response)) this.journal.retireOvertaken?.(entry);
  }

  /**
   * A late response `answer` no SAF entry took: when it approves a transaction whose reversal undid nothing (in this
   * node's memory, or in the shared journal), the reversal is stored again; returns whether memory found it (the
   * journal's look-up goes on in the background). While a request of that transaction is in flight here (the terminal's
   * repeat, sent after the reversal was answered), that request's answer decides first, and this returns true: approved
   * in time, it is the booking the late approval reports (the terminal is told approved, `approvedInTime` retires the
   * reversal) and nothing is reversed, noted or looked up; answered otherwise, or failed (its outcome unknown: its own reversal goes), the
   * late approval is then handled as here, judged by its arrival `at` (epoch ms; default now): the windows of memory
   * and of the shared journal's look-up run from then, however long that request took. `unsolicited` (default false):
   * no request is tied to `answer` (no timed-out key of its connection named it, unsolicited.ts `approval`), or the
   * request it is tied to sent another field 7 than it echoes (connector-parts.ts `late`: an earlier attempt's answer
   * taken by the late keys' fallback): only then is it checked against the in-time declines remembered
   * (reversal-declined.ts); a late answer echoing its timed-out request's own field 7 is that request's, which its own
   * reversal undoes, not an approval after another attempt's decline. `copy` (default false): the host's copy of an
   * unsolicited approval that came through here already (unsolicited.ts, late-keys.ts `Copy`): looked up in a shared
   * journal only (another node's reversal of its booking may have been answered `25` since, fix67a #1), never noted in
   * memory again (a `25` would find two notes of one approval) nor checked against the declines again; nothing
   * without a shared journal.
   */
  lateAnswer(answer: IsoMessage, at = Date.now(), unsolicited = false, copy = false): boolean {
    if (copy && this.journal.lateApproval === undefined) return false;
    const deciding = this.overtaken.isLateApproval(answer) ? this.inFlight(answer) : undefined;
    if (deciding !== undefined) {
      this.host.logger.info({ mti: answer['0'], stan: answer['11'], terminal: answer['41'] }, 'a late approval while a request of its transaction is in flight: that request\'s answer decides first');
      const key = this.overtaken.keyOf(answer);
      const waiting: { approved: false | 'remembered' | 'shared' } = { approved: false };
      const marks = this.deferred.get(key) ?? [];
      marks.push(waiting);
      this.deferred.set(key, marks);
      void deciding.then(() => {
        marks.splice(marks.indexOf(waiting), 1);
        if (marks.length === 0 && this.deferred.get(key) === marks) this.deferred.delete(key);
        // Approved in time: the booking the late approval reports, the terminal told approved. No note of it (a later
        // 25 of a transaction reusing the STAN would take it), no look-up; with a shared store, only the look-up.
        if (waiting.approved === 'remembered') this.host.logger.info({ mti: answer['0'], stan: answer['11'], terminal: answer['41'] }, 'a late approval whose transaction\'s request was approved in time: reported only');
        else if (waiting.approved === 'shared') void this.lookUp(answer, at);
        else this.lateAnswer(answer, at, unsolicited, copy);
      });
      return true;
    }
    if (copy) {
      if (this.overtaken.isLateApproval(answer)) void this.lookUp(answer, at);
      return false;
    }
    // The approval of a request declined in time (not of a reversal remembered as undoing nothing), tied to no request
    // of its own: reported only.
    if (unsolicited && this.declined !== undefined && this.overtaken.isLateApproval(answer) && !this.overtaken.remembers(answer)) this.declined.approval(answer, at);
    const again = this.overtaken.again(answer, at);
    if (again !== undefined) {
      this.declined?.forget(answer); // reversed as the late approval of a reversal that undid nothing: once
      void this.again.store(again, false);
      return true;
    }
    if (this.journal.lateApproval !== undefined && this.overtaken.isLateApproval(answer)) void this.lookUp(answer, at);
    return false;
  }

  /**
   * Starts storing the repeats owed (a shared journal's `repeatsOwed`: a node found a late approval's code and stopped
   * before its repeat was durable): read once now, then every minute until `stop`.
   */
  start(): void {
    if (this.journal.repeatsOwed === undefined || this.owedTimer !== undefined) return;
    void this.owed();
    this.owedTimer = setInterval(() => void this.owed(), OWED_EVERY_MS);
    this.owedTimer.unref();
  }

  /** Stops trying again to store reversals, and reading the repeats owed (the connector stops). */
  stop(): void {
    clearInterval(this.owedTimer);
    this.again.stop();
  }

  /**
   * At a stop (the connector's `close`, once the SAF queue stopped, before the journal closes): every reversal this
   * node remembers answered with a code that undid nothing while its original's late approval may still come (within
   * `OVERTAKEN_FOR_MS` of the first such answer) is stored again as a repeat (0401) by `add` (journaled, durable, kept
   * for the next start, which sends it: the host reverses the original if it approved it after all, or answers 25
   * again, which ends it), with the time of that first answer (`at`: the window never starts again, however often the
   * process restarts), logged at `warn` (`ISO8583_WARN_SAF_OVERTAKEN_KEPT`). Without it, no process would see that
   * approval once this one exited: the cardholder charged, the terminal told the purchase failed. The adds go together
   * (the journal batches them); one that fails is logged at `error` (`ISO8583_WARN_SAF_OVERTAKEN_LOST`). Resolves with
   * how many were stored; never rejects.
   */
  async keepAtStop(add: (reversal: IsoMessage, at: number) => Promise<boolean>): Promise<number> {
    const taken = this.overtaken.takeAll().map((n) => ({ ...n, repeat: repeatOf(n.reversal) }));
    const results = await Promise.allSettled(taken.map((n) => add(n.repeat, n.at)));
    results.forEach((result, i) => {
      const { repeat, responseCode } = taken[i];
      const named = { mti: repeat['0'], stan: repeat['11'], terminal: repeat['41'], responseCode };
      if (result.status === 'fulfilled') {
        this.host.logger.warn(
          { code: 'ISO8583_WARN_SAF_OVERTAKEN_KEPT', ...named },
          'a reversal answered with a code that undid nothing while its original may still be approved: stored again as a repeat for the next start, which sends it',
        );
      } else lostAtStop(this.host.logger, named, (result.reason as Iso8583Error | undefined)?.code);
    });
    return results.filter((r) => r.status === 'fulfilled').length;
  }

  /**
   * At an abort (`destroy`, the journal being destroyed: nothing more is stored): every reversal this node remembers
   * answered with a code that undid nothing while its original may still be approved is taken and logged at `error`
   * (`ISO8583_WARN_SAF_OVERTAKEN_LOST`, cause `ISO8583_ERR_CONNECTOR_CLOSED`), never silently dropped.
   */
  loseAtStop(): void {
    for (const { reversal, responseCode } of this.overtaken.takeAll()) {
      const repeat = repeatOf(reversal);
      lostAtStop(this.host.logger, { mti: repeat['0'], stan: repeat['11'], terminal: repeat['41'], responseCode }, 'ISO8583_ERR_CONNECTOR_CLOSED');
    }
  }

  /**
   * Writes the code of `response` (it undid nothing) to the row of entry `id`, tried again until it answers (see the
   * file's opening comment); stores the reversal of a late approval left there. `since`: the first such answer.
   */
  private async share(id: string, sent: IsoMessage, response: IsoMessage, since: number): Promise<IsoMessage | undefined> {
    const rc = String(response['39'] ?? '');
    const named = { mti: sent['0'], stan: sent['11'], terminal: sent['41'], responseCode: rc };
    const write = async (): Promise<Left | undefined> => this.journal.undidNothing?.(id, rc, this.overtaken.timeIn90);
    const left = await this.answer(write, since, named, 'a reversal answered with a code that undid nothing could not be recorded in the shared store (or was, and its reply was lost): its entry stays open, and the write is tried again every retryInterval');
    if (left === 'stopped') {
      this.host.logger.warn({ code: 'ISO8583_WARN_SAF_OVERTAKEN_RETRY', ...named }, 'a reversal answered with a code that undid nothing is not recorded in the shared store at the stop: its entry stays open in the journal, the next attempt (here or on another node) records it');
      return repeatOf(sent); // not sent (stopped): the entry stays open, as journaled
    }
    if (left === 'window') {
      this.host.logger.error(
        { code: 'ISO8583_WARN_SAF_OVERTAKEN_LOCAL', ...named },
        'a reversal answered with a code that undid nothing could not be recorded in the shared store (or was, and its reply was lost): remembered by this node only; a late approval of it reaching another node is NOT reversed, nor one another node had left on its entry; and a repeat approved in time on another node does NOT retire it: the late approval reaching this node is reversed even so',
      );
      const again = this.overtaken.answered(sent, response, true, since);
      return again === undefined ? undefined : this.again.store(again, true);
    }
    if (left.value === undefined) return undefined;
    this.overtaken.forget(sent);
    return this.again.store({ reversal: repeatOf(sent), responseCode: rc, approval: left.value.approval }, true, left.value.againId);
  }

  /**
   * Looks the late approval `answer`, which came at `at`, up in the shared journal by its kept fields and its booking
   * (`OvertakenReversals.bookingOf`: a row of another transaction reusing the STAN is left), tried again until it
   * answers (see the file's opening comment); stores the reversal it calls for, if any.
   */
  private async lookUp(answer: IsoMessage, at: number): Promise<void> {
    // Its kept fields are what the store keeps (no card data); its booking picks the row (another transaction's is left).
    const kept = this.overtaken.kept(answer);
    const booking = this.overtaken.bookingOf(answer);
    const named = { mti: kept['0'], stan: kept['11'], terminal: kept['41'] };
    // The window runs from the approval's arrival, however late a try: an older code is another transaction's.
    const lookUp = async (): Promise<Found | undefined> => this.journal.lateApproval?.(kept, OVERTAKEN_FOR_MS + Math.max(0, Date.now() - at), booking);
    const found = await this.answer(lookUp, at, named, 'a late approval could not be looked up in the shared store: tried again every retryInterval');
    if (typeof found === 'string') {
      this.host.logger.error(
        { code: 'ISO8583_WARN_SAF_LATE_APPROVAL_UNCHECKED', ...named },
        'a late approval could not be looked up in the shared store: if another node\'s reversal of it undid nothing, it is NOT reversed',
      );
      return;
    }
    if (found.value === undefined) return;
    // Taken from memory too (noted by `again`): this node's own reversal answer, should one come, finds nothing to repeat.
    this.overtaken.forget(found.value.reversal);
    await this.again.store({ reversal: repeatOf(found.value.reversal), responseCode: found.value.responseCode, approval: kept }, false, found.value.againId);
  }

  /** Stores each repeat the shared journal says is owed (`start`), under its id: once, whoever stores it. */
  private async owed(): Promise<void> {
    if (this.owedReading) return;
    this.owedReading = true;
    try {
      for (const o of (await this.journal.repeatsOwed?.()) ?? []) {
        this.overtaken.forget(o.reversal);
        await this.again.store({ reversal: repeatOf(o.reversal), responseCode: o.responseCode, approval: o.approval }, false, o.againId);
      }
    } catch (err) {
      this.host.logger.warn({ code: 'ISO8583_WARN_SAF_OVERTAKEN_RETRY', cause: (err as Iso8583Error | undefined)?.code }, 'the repeats late approvals call for could not be read from the shared store: read again in a minute');
    } finally {
      this.owedReading = false;
    }
  }

  /**
   * Runs `statement` (one of the shared journal's, the same when run again); when it fails, logs it once at `warn`
   * (`what`) and tries it again every `retryInterval` until it answers, the stop, or `OVERTAKEN_FOR_MS` after `since`.
   */
  private async answer<T>(statement: () => Promise<T>, since: number, named: Record<string, unknown>, what: string): Promise<Retried<T>> {
    try {
      return { value: await statement() };
    } catch (err) {
      this.host.logger.warn({ code: 'ISO8583_WARN_SAF_OVERTAKEN_RETRY', cause: (err as Iso8583Error | undefined)?.code, ...named }, what);
      return this.again.retry(statement, since + OVERTAKEN_FOR_MS);
    }
  }
}

/** Logs a reversal remembered as undoing nothing that a stop could not store again (`named`: no card data). */
function lostAtStop(logger: Logger, named: Record<string, unknown>, cause: string | undefined): void {
  logger.error(
    { code: 'ISO8583_WARN_SAF_OVERTAKEN_LOST', cause, ...named },
    'a reversal answered with a code that undid nothing could not be stored again at the stop: should its original be approved late, it is NOT reversed',
  );
}
