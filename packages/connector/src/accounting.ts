/**
 * Accounting: every count the connector keeps, made in one place. Each event (a request accepted, answered or failed,
 * a reconnection) is counted once here, and feeds both the `stats()` snapshot and the prom-client metrics, so the two
 * can never disagree.
 */
import { isAcceptedFor, isApproved, mtiLabel, responseCodeLabel, summarize } from '@iso8583/codec';
import { LogLimit } from '@iso8583/metrics';
import type { Logger } from 'pino';
import type { Dialect, IsoMessage, MessageInput } from '@iso8583/codec';
import type { Registry } from 'prom-client';
import { ConnectorMetrics } from './metrics.js';
import type { MetricsSource } from './metrics.js';
import { answersMti, mtiNamed, mtiText, wireField } from './match-key.js';
import { amountKept, approvedAmountOf } from './reversal-amount.js';
import { MoneyRepeats, UNANSWERED_PER_KEY } from './money-repeats.js';
import type { DroppedUnanswered } from './money-repeats.js';
import { SocketQueueFigures, amountOf, reversedAmountOf } from './socketqueue-figures.js';
import type { SocketQueueFiguresSnapshot } from './socketqueue-figures.js';
import type { SafEnd } from './saf-ends.js';
import type { SentAmount } from './late-keys.js';
import { logQuietly } from './quiet-log.js';

/** Lines of `ISO8583_WARN_MONEY_UNANSWERED_DROPPED` a connector writes a second (the others counted in the next, `suppressed`). */
const DROPPED_LINES_PER_SECOND = 1;

/**
 * The hook {@link Accounting} is given to tell of a transaction dropped unanswered from the money figures' memory
 * (money-repeats.ts, past `UNANSWERED_PER_KEY` under one STAN and terminal): a warn line through `logger`
 * (`ISO8583_WARN_MONEY_UNANSWERED_DROPPED`, the STAN and terminal as the codec's `summarize` shows them: a PAN given as
 * field 41 masked), at most {@link DROPPED_LINES_PER_SECOND} a second, a logger that throws ignored.
 */
export function droppedUnansweredLine(logger: Logger): (dropped: DroppedUnanswered) => void {
  const limit = new LogLimit(DROPPED_LINES_PER_SECOND);
  return (dropped) => {
    const suppressed = limit.take();
    if (suppressed === undefined) return;
    const fields = { code: 'ISO8583_WARN_MONEY_UNANSWERED_DROPPED', ...summarize({ '11': dropped.stan, '41': dropped.terminal }), unansweredPerKey: UNANSWERED_PER_KEY };
    logQuietly(logger, 'warn', suppressed > 0 ? { ...fields, suppressed } : fields, 'money figures: the oldest unanswered transaction of this STAN and terminal was forgotten (too many unanswered under it): its late answer counts as an unknown transaction\'s');
  };
}

/**
 * The amount totals: sums of field 4 (minor units), the answer's when it carries one (what the bank booked), else the
 * request's, counted when the response arrives, in time or late (`Accounting.late`); a SAF entry's (a reversal) once, when it ends, whichever attempt's
 * answer ended it. A request that times out and is never answered, or fails, counts nowhere. `refund` is part of
 * `secured`, which is part of `processed`. A transaction counts once however many times it is sent (money-repeats.ts):
 * a repeat (0201, 0401 ...) adds only what its original's answer did not, and a reversal counts once per original.
 */
export interface ConnectorAmounts {
  /**
   * Financial requests (0100, 0200; a repeat, 0101 or 0201, when no answer of its original was counted) that got a
   * response (late ones included), whatever the response code.
   */
  processed: number;
  /**
   * Of those, the approved ones (field 39 one of the dialect's `approvalCodes`, default `00`), refunds included: a
   * transaction once, whether its original's answer or a repeat's approved it.
   */
  secured: number;
  /**
   * Of the approved ones, those whose processing code (field 3: the answer's, else the request's as the wire has it)
   * starts with `20` (refunds): SocketQueue's `refundAmount` by the same rule.
   */
  refund: number;
  /**
   * Reversals (0400, 0401, 0420, 0421) whose answer accepts them (`isAcceptedFor`: one of the dialect's approval codes,
   * or ISO 8583:1993's `400`): automatic ones and those the caller sent, once per original (by its STAN, field 90's
   * when present, and terminal): a repeat (0401, 0421) or a second reversal of an original already reversed adds
   * nothing. An answer that reversed nothing (a system error such as `96` that the SAF queue repeats, a decline) adds
   * nothing; a SAF entry counts once, when it ends, whichever of its attempts' answers (in time or late) ended it. A
   * partial reversal (ISO 8583:1987 field 95, replacement amounts) counts field 4 less its replacement amount.
   */
  reversal: number;
}

/** The counters of a {@link ConnectorStats} snapshot. */
export interface ConnectorCounts {
  /**
   * Requests accepted, and each attempt of a reversal or SAF entry (0400, 0401, an advice, ...): each is then counted
   * once as a response, a timeout or an error. One that never reached the host (refused by the codec, no connection,
   * the terminal queue, an upstream down) is a request and an error, as `iso8583_connector_failures_total` counts it;
   * what was written is `socketQueue.packetCount`. Network management (sign-on, echo, sign-off) is not counted.
   */
  requests: number;
  /** Responses matched to their requests. */
  responses: number;
  /** Requests that timed out. */
  timeouts: number;
  /** Requests that failed other than by timeout (connection lost, refused, invalid message, ...). */
  errors: number;
  /** Connections lost while running (not the ones the connector closed itself: idle eviction, retired, sign-on failed). */
  reconnects: number;
  /**
   * Approvals that came after their request was answered in time with a decline (or any code but an approval) and
   * fitted that request (reversal-declined.ts, `ISO8583_WARN_SAF_APPROVAL_AFTER_DECLINE`): logged at warn, never
   * reversed (check with the host). Needs reversal on.
   */
  approvalsAfterDecline: number;
  /** Amount totals. */
  amounts: ConnectorAmounts;
  /** Requests (reversal and SAF attempts among them) by request MTI. */
  byMti: Record<string, number>;
  /** Responses by response code (field 39; `none` when absent). */
  byResponseCode: Record<string, number>;
  /** SocketQueue's stat-server figures, by SocketQueue's definitions (see `socketqueue-figures.ts`). */
  socketQueue: SocketQueueFiguresSnapshot;
}

/** A snapshot of the connector's state and counters. */
export interface ConnectorStats extends ConnectorCounts {
  /**
   * Connections signed on, ready to carry requests (without `signOn`: connected); one still signing on is not counted.
   * An upstream group's upstream is up while this is above 0.
   */
  connected: number;
  /** Open connections with nothing in flight. */
  free: number;
  /** Requests waiting for a connection or in a per-terminal queue. */
  pending: number;
  /** Requests written and awaiting their response, with the connector's own sign-ons and echoes in flight. */
  inFlight: number;
  /** Reversals journaled with unknown outcome and not yet ended (answered ones whose `done` is not durable included). */
  reversalsPending: number;
  /**
   * SAF depth: entries waiting in the store-and-forward queue (reversals and advices journaled, not yet ended; an
   * answered one whose `done` a store out of reach has not recorded yet included).
   */
  safDepth: number;
  /** SAF entries answered with a response code that ends them, since the start. */
  safDelivered: number;
  /** SAF entries given up after `saf.expireAfter`, since the start. */
  safExpired: number;
  /** SAF entries given up after `saf.maxAttempts`, since the start. */
  safAbandoned: number;
  /**
   * SAF entries waiting (among `safDepth`) held in memory only: the file journal's records are lost (its file removed or
   * replaced while open: `halted().recordsLost`), so the next start does not know of them, and `safNotStored`. A journal
   * that cannot write but keeps its records (a full disk, its lock removed) counts none here: the next start sends them.
   */
  safNotDurable: number;
  /**
   * Reversals owed (among `safNotDurable`) whose entry the PostgreSQL store may hold done (their response's `done` may
   * have committed unseen), their reopen not stored yet: left at a stop, NOT in the database (reverse them by hand).
   */
  safNotStored: number;
  /**
   * SAF entries that ended (counted above) in memory because the file journal refused their `done` record (a full disk,
   * its lock removed), and that are still open in its file: the next start sends them again (a repeat the host answers
   * as a duplicate) unless a refused record reached the file. 0 once the journal's records are lost.
   */
  safUnrecorded: number;
  /**
   * Reversals answered with a code that undid nothing (`25`) this connector forgot before their original's late
   * approval could come (kept for `OVERTAKEN_FOR_MS`, at most `OVERTAKEN_MAX` at once, the oldest forgotten first),
   * since the start: should such an original be approved late, it is NOT reversed; and those the file journal dropped
   * past its own cap (the next start may not repeat them). Each is named in a line (`ISO8583_WARN_SAF_OVERTAKEN_DROPPED`,
   * `source`, rate-limited). With a store several nodes share, its rows keep them: only those this node remembers
   * alone, their write to the store given up (`ISO8583_WARN_SAF_OVERTAKEN_LOCAL`), can count here.
   */
  safOvertakenDropped: number;
  /**
   * Store keys of this connector that their row records for another bank (PostgreSQL store, `iso8583_saf_upstream`, as
   * its last lease renewal read it: `PgJournal.keysAtOtherBank`, `ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK`): their SAF
   * entries are neither claimed, sent nor added here. 0 with any other journal.
   */
  safOtherBank: number;
}

/**
 * Which amount total a request MTI feeds: 0100/0200 and their repeats 0101/0201 `processed` (and so on),
 * 0400/0401/0420/0421 `reversal`; the same for the 1993 MTIs (1100, 1200, 1201, 1400, 1401, 1420, 1421).
 */
function amountKindOf(mti: string): 'processed' | 'reversal' | undefined {
  if (mti[0] !== '0' && mti[0] !== '1') return undefined;
  const rest = mti.slice(1);
  if (rest === '100' || rest === '200' || rest === '101' || rest === '201') return 'processed';
  if (rest === '400' || rest === '401' || rest === '420' || rest === '421') return 'reversal';
  return undefined;
}


/**
 * The MTI of a message for labels, stats and error context: four digits, else `invalid` (a caller's field 0 may be
 * anything, even card data, and must not reach a metric label, a log or an error).
 */
export function mtiOf(message: MessageInput): string {
  return mtiNamed(message['0']);
}

/** A response code (field 39) for labels and stats: 1-3 letters or digits, else `invalid`; `none` when absent. */
export function responseCodeOf(message: IsoMessage): string {
  return responseCodeLabel(message['39'], 'none');
}

/** The connector's counts and metrics. */
export class Accounting {
  private readonly metrics: ConnectorMetrics;
  private readonly counts = { requests: 0, responses: 0, timeouts: 0, errors: 0, reconnects: 0, approvalsAfterDecline: 0 };
  private readonly amounts: ConnectorAmounts = { processed: 0, secured: 0, refund: 0, reversal: 0 };
  private readonly byMti: Record<string, number> = {};
  private readonly byResponseCode: Record<string, number> = {};
  private readonly socketQueue: SocketQueueFigures;
  /** What each recent transaction counted, so that a repeat counts once. */
  private readonly repeats: MoneyRepeats;

  /**
   * `dialect`: the connector's, whose `approvalCodes` say which response codes are approvals; `requestTimeout`: the
   * connector's (default 30 000 ms), of which a few are how long a transaction's counts are remembered (money-repeats.ts);
   * `onDrop`: told of a transaction dropped unanswered from that memory (default none: the connector gives
   * {@link droppedUnansweredLine}).
   */
  constructor(
    connector: string,
    source: MetricsSource,
    registry: Registry | undefined,
    private readonly dialect: Pick<Dialect, 'approvalCodes' | 'version' | 'fields' | 'reversal'>,
    requestTimeout?: number,
    onDrop?: (dropped: DroppedUnanswered) => void,
  ) {
    this.metrics = new ConnectorMetrics(connector, source, registry);
    this.socketQueue = new SocketQueueFigures(dialect);
    this.repeats = new MoneyRepeats(dialect, requestTimeout, undefined, undefined, undefined, UNANSWERED_PER_KEY, onDrop);
  }

  /** Takes the connector's metrics off a shared Registry (on close or destroy; metrics.ts `release`). */
  release(): void {
    this.metrics.release();
  }

  /** The prom-client Registry holding the metrics (the connector's own is made when first read). */
  get registry(): Registry {
    return this.metrics.registry;
  }

  /**
   * A request was accepted (`mti` from {@link mtiOf}), written or not: it settles once, as `answered` or `failed` (both
   * counted in the metrics too), so `requests` = `responses` + `timeouts` + `errors` + in flight.
   */
  accepted(mti: string): void {
    this.counts.requests += 1;
    const label = mtiLabel(mti);
    this.byMti[label] = (this.byMti[label] ?? 0) + 1;
  }

  /**
   * A request (or a reversal attempt) was written to the host by a channel: a packet in SocketQueue's figures (one the
   * channel refused, such as a duplicate match key, is not). A financial original opens its transaction key afresh,
   * unless it is the same original sent again (money-repeats.ts): then its amount is not passed on a second time.
   */
  packed(mti: string, message: MessageInput): void {
    const resent = amountKindOf(mti) === 'processed' && this.repeats.written(mti, message);
    this.socketQueue.request(mtiLabel(mti), message, resent);
  }

  /**
   * A request got its response after `latency` ms: counts, metrics, amounts. `safAttempt`: an attempt of a SAF entry,
   * whose amount counts once, when the entry ends ({@link ended}), whichever attempt's answer ends it.
   */
  answered(mti: string, request: MessageInput, response: IsoMessage, latency: number, safAttempt = false): void {
    this.counts.responses += 1;
    const rc = responseCodeOf(response);
    this.byResponseCode[rc] = (this.byResponseCode[rc] ?? 0) + 1;
    this.metrics.answered(mtiLabel(mti), rc, latency / 1000);
    this.socketQueue.answer(response);
    if (!safAttempt) this.money(mti, request, response);
  }

  /**
   * A late response (its request had timed out): a packet in SocketQueue's figures, and, the answer of a financial
   * request (0110, 0210, or a repeat's 0111, 0211), its amounts by the rule an answer in time follows
   * ({@link bookedAmountOf}) against what its request sent (`sent`: fields 3, 4 and 49, remembered with the timed-out
   * key; default none, when the answer's own fields are taken): the processing code the answer's, else the request's;
   * an approval that comes late is at the bank all the same (its request's reversal counts when it ends), unless a
   * repeat's answer of its transaction was counted (money-repeats.ts). A late reversal answer's amount counts only when
   * it ends a SAF entry ({@link ended}). Not a response in `responses` (its request counted as a timeout).
   */
  late(response: IsoMessage, sent?: SentAmount): void {
    this.socketQueue.answer(response);
    const mti = mtiText(response['0']);
    if (!/^[01][12]1[01]$/.test(mti)) return;
    // The request MTI it answers: a repeat's answer (0211: the bank echoed the repeat's origin) a repeat's, whichever
    // request under its key the channel took it for (a repeat sent with its original's field 7 names that original's
    // timeout); else the one sent (an original or a repeat), else the original's of its class.
    const request =
      mti[3] === '1' ? `${mti.slice(0, 2)}01` : sent?.mti !== undefined && answersMti(sent.mti, mti) ? sent.mti : `${mti.slice(0, 2)}00`;
    // The request is what it sent (fields 4 and 49): the answer's approved amount is judged against it by the one rule
    // an answer in time follows (`bookedAmountOf`), not against itself. Without it (no request known), the answer's own.
    const fields = sent === undefined ? response : { '3': response['3'] ?? sent.processingCode, '4': sent.amount, '49': sent.currency };
    // An answer that echoes no field 7 is counted for the transmission the late keys took it for (late-keys.ts: each of
    // several timed-out requests under one key is one booking), else it names none (money-repeats.ts).
    // One whose field 7 names no record of its transaction (the host's time) counts on the record of the request the
    // late keys tied it to (by its amount, else the last timed out), when uncounted (money-repeats.ts `unnamed`).
    const keyed = response['7'] === undefined && sent?.echo7 !== undefined ? { ...response, '7': sent.echo7 } : response;
    this.money(request, fields, response, keyed, true, sent?.echo7);
  }

  /**
   * A financial approval that matched no request (unsolicited) offered to the reversals as a late approval (one may
   * come on another connection than its request's, before its reversal's answer): counted as a late answer
   * ({@link late}, against the fields 3, 4 and 49 its original sent, money-repeats.ts keeping them) when it names a transaction written here
   * of which no answer was counted (money-repeats.ts `uncounted`: its request timed out), so that the reversal it calls
   * for does not count alone; a copy of a counted answer, or an unknown transaction's, counts nowhere.
   */
  unsolicitedApproval(response: IsoMessage): void {
    const sent = this.repeats.uncounted(response);
    // Judged against what its original sent (a bank that echoes no field 4, or another amount), as a late answer is.
    if (sent !== undefined) this.late(response, sent.amount === undefined ? undefined : sent);
  }

  /** A SAF entry ended (once durable): the amount of the answer that ended it (a reversal's accepted one), once. */
  ended(end: Pick<SafEnd, 'message' | 'response'>): void {
    if (end.response !== undefined) this.money(mtiOf(end.message), end.message, end.response);
  }

  /** A request ended without a response (`code`: its error code). */
  failed(mti: string, code: string | undefined): void {
    if (code === 'ISO8583_ERR_CONNECTOR_TIMEOUT') this.counts.timeouts += 1;
    else this.counts.errors += 1;
    this.metrics.failed(mtiLabel(mti), code ?? 'unknown');
  }

  /** An approval came after its request was answered in time with a decline (reversal-declined.ts). */
  approvalAfterDecline(): void {
    this.counts.approvalsAfterDecline += 1;
  }

  /** A connection was lost or failed (not closed by the connector itself: idle eviction, retired) and is opened again. */
  reconnected(): void {
    this.counts.reconnects += 1;
    this.metrics.reconnected();
  }

  /** A copy of the counts. */
  snapshot(): ConnectorCounts {
    return {
      ...this.counts,
      amounts: { ...this.amounts },
      byMti: { ...this.byMti },
      byResponseCode: { ...this.byResponseCode },
      socketQueue: this.socketQueue.snapshot(),
    };
  }

  /**
   * The amounts `response` to `request` (of `mti`) counts, in the totals and SocketQueue's figures alike: a financial
   * request's, or an accepted reversal's, what its transaction has not counted yet (money-repeats.ts). `keyed`: the
   * message whose fields 11 and 41 name the transaction (default `request`; a late answer's own). `late`: the answer
   * came after its request timed out (money-repeats.ts `financial`: it is the oldest uncounted of its transmission's).
   * `tied`: the field 7 of the timed-out request the late keys tied a late answer to (money-repeats.ts `financial`).
   */
  private money(mti: string, request: MessageInput, response: IsoMessage, keyed: MessageInput = request, late = false, tied?: string): void {
    const kind = amountKindOf(mti);
    if (kind === undefined) return;
    if (kind === 'reversal') {
      // Only an answer that accepts the reversal undid money: a 96 the SAF queue repeats, or a decline, reversed nothing.
      if (!this.repeats.reversal(keyed, isAcceptedFor(this.dialect, response['39'], mti))) return;
      // A partial reversal (1987: field 95, replacement amounts) undid field 4 less the amount that stays: worked out
      // here once, for the totals and SocketQueue's figures alike.
      const amount = amountOf(request['4']);
      const undone = mti[0] === '0' ? reversedAmountOf(amount, response['95'] ?? request['95']) : amount;
      this.socketQueue.amounts(response, undone);
      if (undone > 0) this.addAmount('reversal', undone);
      return;
    }
    // What the answer counts, decided here once for the totals and SocketQueue's figures alike: the amount it approved
    // (what the bank booked) else the request's; a refund by field 3 as the wire has it (`"3": 2000` went as 002000, a
    // purchase; `"3": 200000`, a number, a refund), the answer's else the request's, starting `20`.
    const amount = amountOf(this.bookedAmountOf(request, response));
    const refund = (wireField(this.dialect, response, '3') ?? wireField(this.dialect, request, '3'))?.startsWith('20') === true;
    const fresh = this.repeats.financial(mti, keyed, isApproved(this.dialect, response['39']), late, response, tied);
    if (fresh.secured) this.socketQueue.amounts(response, amount, refund);
    if (amount === 0) return;
    if (fresh.processed) this.addAmount('processed', amount);
    if (fresh.secured) {
      this.addAmount('secured', amount);
      if (refund) this.addAmount('refund', amount);
    }
  }

  /**
   * The amount `response` booked of `request`'s, by the one rule a reversal of it follows (reversal-amount.ts): the
   * answer's approved amount (the dialect's `reversal.approvedAmount` field, default 4; none when `false`) when it is 1
   * to 12 digits, not all zeros, not more than the request's and in its currency; else the request's field 4. A host that
   * answers with zeros (or spaces, or nothing readable) says nothing of the amount.
   */
  private bookedAmountOf(request: MessageInput, response: IsoMessage): MessageInput[string] {
    const rule = this.dialect.reversal?.approvedAmount;
    const field = rule === false ? undefined : (rule ?? '4');
    const requested = wireField(this.dialect, request, '4');
    const approved = field === undefined ? undefined : approvedAmountOf(response, field, this.dialect.fields[field]);
    if (approved === undefined || requested === undefined) return approved ?? request['4'];
    return amountKept(requested, approved, wireField(this.dialect, request, '49') ?? '', response, field as string) === undefined ? approved : request['4'];
  }

  private addAmount(kind: keyof ConnectorAmounts, amount: number): void {
    this.amounts[kind] += amount;
    this.metrics.amount(kind, amount);
  }
}
