/**
 * An approval its client never got: the bank approved after the client's timeout (the client was answered with a
 * failure, or not at all), or after the client's connection closed (a POS socket closed or reset, an HTTP request
 * aborted), or the answer could not be written, or not packed in the client's dialect (the client got an error answer).
 * The merchant thinks the transaction failed while the cardholder is charged, so a reversible request (0100 / 0200 and
 * their repeats, 1100 / 1200 with ISO 8583:1993) is reversed through the SAF queue of the connector whose host answered,
 * built like that connector's own reversals: an approval is an answer that moved money (`isApprovalClass`: that
 * connector's dialect's approval codes, `00` in 1987, `000` in 1993, an upstream group may mix them, and the standard's
 * approval class: `08`, `10` partial, `11` VIP, `16`; `0xx` in 1993), its `reversal` options give the MTI and the fields
 * copied, and field 4 is the amount the answer approved (a partial approval is undone for the amount it moved, not the
 * amount requested: `buildReversal`). Anything else (an advice, a reversal, a network management message, an
 * inquiry's answer: processing code `3x`, no money moved: {@link movedMoney}) is not undone: a reversal of an advice or
 * of a reversal would cost the merchant. A decline is left alone. When the SAF queue cannot store the reversal (a full
 * disk, a failed journal), it is sent once without SAF, and an error is logged whatever the outcome. Every approval
 * seen here is counted by why it was not delivered and what became of it (`iso8583_gateway_undelivered_approvals_total`,
 * when a registry is given), once that is known: `reversed` once the SAF queue holds its reversal,
 * `reversed-without-saf` once the host accepted the one sent without SAF (`isAcceptedFor`: `00`, a 1993 reversal's
 * `400`), `reversal-declined` when it answered anything else (a `96`, a `05`: logged at `error` with its response code,
 * NOT reversed), `not-reversed` when that send failed too.
 * Nothing is reversed when the connector's `reversal.enabled` is off (logged at `error`). The one home of this rule for
 * the gateway (`iso8583 gateway`, flows) and for an application using the connector's Fastify routes with an inbound
 * endpoint (examples/fastify-app.ts). A logger that throws loses its line, never the count, the send without SAF after
 * a refused store, nor the process (a throw in a promise callback would be an unhandled rejection).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { logSafely, promClient } from '@iso8583/metrics';
import { isAcceptedFor, isApprovalClass, isNetworkManagement, safeErrorCode, summarize } from '@iso8583/codec';
import type { Dialect, IsoMessage, MessageSummary } from '@iso8583/codec';
import type { Connector } from './connector.js';
import { fieldText, mtiText, originalStanOf, transactionKey, wireValue } from './match-key.js';
import { operatorName } from './operator-name.js';
import { buildReversal, isInquiry, isReversible } from './reversal-message.js';
import type { UndeliveredAnswerHandler } from './undelivered-answer.js';

/**
 * Milliseconds past its deadline a stop waits for the reversals of undelivered approvals still being stored or sent
 * (a destroy at the deadline refuses them at once: this only lets those refusals be counted).
 */
export const STOP_SETTLE_WAIT = 1_000;

/**
 * Why a client never got its answer, as an inbound endpoint's `onLateResult` says (`UndeliveredReason` of
 * `@iso8583/inbound`): `sequence-timeout`, it came after the client's timeout answer; `client-gone`, the client had
 * disconnected (an HTTP request aborted); `reply-invalid`, it could not be written in the client's form.
 */
export type UndeliveredClientReason = 'sequence-timeout' | 'client-gone' | 'reply-invalid';

/** What a late approval is handled with. */
export interface LateApprovalParts {
  /**
   * The upstream of an answer that does not say which upstream answered (a lone connector: the only one): its dialect
   * judges the answer, its options (`reversal`, dialect) build the reversal, and the reversal is sent to it.
   */
  readonly connector: Connector;
  /** Where each approval's line goes (no card data): `warn` once reversed, `error` when not. */
  readonly logger: Pick<Logger, 'warn' | 'error'>;
  /** Where `iso8583_gateway_undelivered_approvals_total` is registered. Default: not counted. */
  readonly registry?: Registry;
}

/** Which client an undelivered answer was for. */
export type UndeliveredSide = 'pos' | 'http';

/**
 * Reverses an approval of `original` that its client never got; `answer` is the bank's, from `upstream`'s host and in
 * its dialect (`undefined`: the parts' connector). May return a promise, settled (never rejected) once the reversal is
 * stored in the SAF queue, or handed to a send without SAF when it cannot be stored (not waiting for that send's
 * answer); a stop holds the connectors until the reversal is stored, sent or known lost (the book's `settled`).
 */
export type UndeliveredApproval = (original: IsoMessage, answer: IsoMessage, upstream: Connector | undefined, reason: ApprovalLoss, side: UndeliveredSide) => void | Promise<void>;

/** {@link undeliveredApproval}'s handler with its book: what a graceful stop waits for and counts before it ends. */
export interface UndeliveredApprovalBook extends UndeliveredApproval {
  /**
   * Settles (never rejects) once every reversal started so far is stored, sent or known lost, or after `waitMs`
   * (default: no limit), whichever comes first.
   */
  settled(waitMs?: number): Promise<void>;
  /**
   * Approvals so far known NOT reversed: their reversal could be neither stored nor sent (`not-reversed`), was sent
   * without SAF and not accepted by the host (`reversal-declined`), or could not be built (`unbuildable`).
   */
  notReversed(): number;
  /** Reversals being stored or sent now, not yet settled (a stop that ends now leaves them undone). */
  underway(): number;
  /**
   * What a stop fails by: waits for the reversals under way until `until` (`Date.now()` time) plus
   * `STOP_SETTLE_WAIT`, logs at `error` those still under way then ({@link logUnderway}), and returns the approvals not reversed since the stop began (`before`: {@link notReversed} then),
   * those still under way included. When `aborted()` says, after that wait, that an abort has begun, those still under
   * way are neither logged nor counted here: the abort lists them and counts them on its own end line (each approval
   * told and counted once); those that ended NOT reversed since `before` are counted all the same.
   *
   * @param aborted Whether an abort has begun (default: never).
   */
  notReversedSince(before: number, until: number, aborted?: () => boolean): Promise<number>;
  /**
   * Logs at `error` each reversal still being stored or sent now (`NOT known reversed`, with its STAN and terminal,
   * no card data; the first {@link UNDERWAY_LINES_MAX} a line each, the rest named in lines of as many each) and returns
   * how many there are, all of them: what a stop or an abort that ends now leaves undone. Each approval is listed once:
   * one a call before listed is not logged again (still counted: it is still undone). Its end is still logged, with
   * `alreadyListed: true` and the same STAN and terminal, so that it reads as the same approval: `reversed` (warn) when
   * it ends well, and when it ends NOT reversed (the destroy refused its store, the send without SAF failed or was
   * declined: its `responseCode`) at `warn`, not `error`, so that the `error` lines still count each approval once.
   */
  logUnderway(): number;
}

/** The most `NOT known reversed` lines of their own {@link UndeliveredApprovalBook.logUnderway} writes (the rest are named in lines of as many each): 100. */
export const UNDERWAY_LINES_MAX = 100;

/**
 * Why a client never got an approval: the endpoint's reasons (`UndeliveredReason`), or a flow's (undelivered-approvals.ts
 * in the flow): `sequence-failed`, its sequence failed in time after the approval and the terminal got onError's answer
 * that was not an approval, or a 96; `no-reply`, its sequence gave the terminal no reply to a request that expects one
 * (`undefined`, `null`); `reply-declined`, its sequence's reply to the terminal does not approve (a decline after the
 * bank approved, a reply without an approving field 39).
 */
export type ApprovalLoss = UndeliveredClientReason | 'sequence-failed' | 'no-reply' | 'reply-declined';

/** What each reason is called in the log lines, and its code. */
const WHY: Readonly<Record<ApprovalLoss, { text: string; code: string }>> = {
  'sequence-timeout': { text: 'an approval came after the POS timeout', code: 'ISO8583_ERR_INBOUND_LATE_REPLY' },
  'client-gone': { text: 'an approval could not be delivered (the client has gone)', code: 'ISO8583_ERR_INBOUND_CLIENT_GONE' },
  'reply-invalid': { text: 'an approval cannot be written in the client\'s dialect (the client got an error answer: a 96 on POS, a 502 over HTTP)', code: 'ISO8583_ERR_INBOUND_REPLY_INVALID' },
  'sequence-failed': { text: 'an approval was followed by its sequence\'s failure (the terminal got onError\'s answer, not an approval, or a 96)', code: 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED' },
  'no-reply': { text: 'an approval was followed by no reply to the terminal (its sequence returned none, or null)', code: 'ISO8583_ERR_INBOUND_REPLY_UNEXPECTED' },
  'reply-declined': { text: 'an approval was followed by a reply to the terminal that does not approve (a decline, or no approving field 39)', code: 'ISO8583_ERR_INBOUND_REPLY_UNEXPECTED' },
};

/**
 * The summary of an original for the log lines, or none when it cannot be made (a field whose getter throws, as a
 * message a sequence built may have): a line without it beats a reversal lost, since the summary comes before the
 * reversal is stored.
 */
function summaryOf(original: IsoMessage): MessageSummary {
  try {
    return summarize(original);
  } catch {
    return {};
  }
}

/** The MTI of `answer` (else of `original`: the version digit is the same) as text, or `undefined`. */
function mtiOf(answer: IsoMessage, original: IsoMessage): string | undefined {
  const mti = answer['0'] ?? original['0'];
  return typeof mti === 'string' ? mti : undefined;
}

/**
 * Whether the bank's `answer` to `original` moved money, judged in `dialect`, the dialect of the upstream that answered
 * (a 1993 host approves with 000, a 1987 one with 00): the one rule of what an undelivered approval is, for the
 * gateway's answers and a flow's alike. Its field 39 is of the approval class (`isApprovalClass`: the dialect's
 * approval codes, and a partial approval `10` or `002`, a VIP one `11` or `003`...; the answer's MTI says which
 * edition's codes it carries), and it is neither a network management answer (0810, 1814: an echo's or a sign-on's 00,
 * the codec's `isNetworkManagement`) nor the answer to an inquiry (processing code `3x`: a balance inquiry's 00; the
 * one inquiry rule, reversal-message.ts `isInquiry`, that also keeps an inquiry out of the reversal journal). An answer
 * of another edition (MTI version digit neither 0 nor 1, codec `isKnownEdition`: a 2210) is judged by the same rule,
 * its codes read as 1987 ones unless the dialect names its own (`approvalCodes`, `approvalClass`): its request is never
 * reversible, and a connector with reversal on refuses to send it (request-outcome.ts); taking any such answer as
 * moving money made a declined 2210 relayed to a terminal read as an approval, and another bank's approval of the same
 * sequence, which the terminal was told declined, was left standing (sr68j #1).
 */
export function movedMoney(dialect: Dialect, original: IsoMessage, answer: IsoMessage): boolean {
  if (!isApprovalClass(dialect, answer['39'], mtiOf(answer, original))) return false;
  // The request's processing code, else (a request without field 3) the answer's: one inquiry rule (`isInquiry`).
  return !isNetworkManagement(answer['0']) && !isInquiry(dialect, original['3'] == null ? answer : original);
}

/**
 * Whether `reversal` (a reversal a caller sent itself, MTI `x4xx`) undoes the whole of `original`, in `dialect`: the
 * original's STAN as its original data elements give it (field 90, or 56 in 1993: `originalStanOf`, as routing reads
 * it; else its own field 11) and its terminal (41) are those of `original` (however written: `9201` is `'009201'`).
 * With `exactly`, the original's MTI those data elements give (their first 4 characters) must be `original`'s too, and
 * so must its transmission time (90's characters 10 to 20: field 7) or, in 56, its local date and time (characters 10
 * to 22: field 12) when `original` has it: of two approvals under one STAN and terminal (a 0100 and a 0200), the one
 * named. A partial reversal (field 95 whose first 12 digits, the amount that stays, are not all zeros) undoes no whole
 * approval: `false`. A flow's book takes the approval named, once the reversal is accepted, as undone already: never
 * reversed a second time.
 *
 * @param exactly Whether the original's MTI and time in 90 or 56 must match too (default `false`: STAN and terminal).
 */
export function reversalNames(dialect: Dialect, reversal: IsoMessage, original: IsoMessage, exactly = false): boolean {
  const kept = fieldText(reversal['95']);
  if (kept !== undefined && /^\d{12}/.test(kept) && !kept.startsWith('0'.repeat(12))) return false;
  if (transactionKey(dialect, originalStanOf(reversal), reversal['41']) !== transactionKey(dialect, original['11'], original['41'])) return false;
  if (!exactly) return true;
  const in1993 = mtiText(reversal['0'])[0] === '1';
  const data = fieldText(reversal[in1993 ? '56' : '90']);
  if (data === undefined || data.length < 10) return true;
  if (data.slice(0, 4) !== mtiText(original['0'])) return false;
  const [field, length] = in1993 ? (['12', 12] as const) : (['7', 10] as const);
  const time = fieldText(original[field]);
  return time === undefined || data.slice(10, 10 + length) === wireValue(dialect.fields[field], time);
}

/** The metric every approval the client never got is counted in (by reason, side and outcome). */
export const UNDELIVERED_APPROVALS_METRIC = 'iso8583_gateway_undelivered_approvals_total';

/** The one handler of approvals the client never got (POS and HTTP alike). */
export function undeliveredApproval(parts: LateApprovalParts): UndeliveredApprovalBook {
  const { logger } = parts;
  // The book: reversals under way (stored, sent or lost once settled) and approvals left undone.
  // Each reversal under way with its log line's fields (`about`), for the line of one still under way at a stop.
  const underway = new Map<Promise<void>, Record<string, unknown>>();
  // Those of them already logged `NOT known reversed` (logUnderway): never listed twice (sr68c #4); their end is told
  // with `alreadyListed` (sr68c #2: a declined send's response code is said), NOT reversed at warn (sr67n #3: the
  // operator has them on the list to check already, at error).
  const told = new Set<Promise<void>>();
  let undone = 0;
  /** Of `undone`, those already listed `NOT known reversed` (and counted there) when they ended (sr68p #1). */
  let undoneListed = 0;
  const counted = parts.registry === undefined
    ? undefined
    : new (promClient().Counter)({
        name: UNDELIVERED_APPROVALS_METRIC,
        help: 'Approvals the client never got (reason: sequence-timeout, client-gone, reply-invalid, sequence-failed, no-reply, reply-declined; side: pos, http), by what was done (outcome: reversed, reversed-without-saf, reversal-declined, not-reversed, not-reversible, reversal-off, unbuildable).',
        labelNames: ['reason', 'side', 'outcome'],
        registers: [parts.registry],
      });
  const handle: UndeliveredApproval = (original, answer, answered, reason, side) => {
    // The answering upstream's dialect: a 1993 host approves with 000, a 1987 one with 00. Any answer that moved money
    // is reversed, not only the dialect's approval codes: a partial approval (10, 002), a VIP one (11, 003)...
    const upstream = answered ?? parts.connector;
    const dialect = upstream.codec.dialect;
    if (!movedMoney(dialect, original, answer)) return;
    const reversal = upstream.options.reversal;
    const { text: why, code } = WHY[reason];
    const about = { code, reason, side, upstream: operatorName(upstream), ...summaryOf(original) };
    const count = (outcome: string): void => counted?.inc({ reason, side, outcome });
    if (!isReversible(mtiText(original['0']))) {
      count('not-reversible');
      logSafely(() => logger.warn(about, `${why}: not a reversible request, not reversed`));
      return;
    }
    if (!reversal.enabled) {
      count('reversal-off');
      logSafely(() => logger.error(about, `${why} and reversal is off: not reversed`));
      return;
    }
    let built: IsoMessage;
    try {
      // The amount the answer approved in field 4 (a partial approval's lower amount: never undo more than moved), unless
      // it is more than asked or in another currency: then the request's, and the line says why (no card data).
      built = buildReversal(original, reversal.mti, dialect, reversal.fields, answer, (kept) =>
        logSafely(() => logger.warn({ ...about, amountKept: kept }, `${why}: the answer's amount is not taken (${kept}): reversing the amount requested`)),
      );
    } catch (err) {
      count('unbuildable');
      undone++;
      logSafely(() => logger.error({ ...about, code: safeErrorCode(err) }, `${why}: its reversal cannot be built`));
      return;
    }
    // Counted and logged by what became of it: `reversed` once the SAF queue holds it (journaled: sent until answered).
    // To the upstream that approved (not by a group's memory of originals, which may have forgotten it).
    const journaled = upstream.request(built, { saf: true });
    // The end of one already listed `NOT known reversed` (logUnderway): marked so, NOT reversed at warn (told once at error).
    const listed = (): boolean => told.has(done);
    const ended = (fields: Record<string, unknown>): Record<string, unknown> => (listed() ? { ...fields, alreadyListed: true } : fields);
    const notReversedLine = (lineCode: unknown, extra: Record<string, unknown>, msg: string): void => logSafely(() => (listed()
      ? logger.warn({ ...about, ...extra, code: lineCode, alreadyListed: true }, `${msg} (already listed NOT known reversed)`)
      : logger.error({ ...about, ...extra, code: lineCode }, msg)));
    const done = journaled.then(
      () => {
        count('reversed');
        logSafely(() => logger.warn(ended(about), `${why}: reversed`));
      },
      (stored: unknown) => {
        // Not stored (a full disk, a failed or removed journal folder, a full SAF queue): sent once as it is rather than
        // dropped, so that the approval is undone whenever the upstream is reachable; logged either way.
        // At error once per approval: one already listed `NOT known reversed` gets it at warn (sr68n #3).
        const text = `${why}: its reversal could not be stored, sending it once without SAF`;
        logSafely(() => (listed()
          ? logger.warn({ ...ended(about), code: safeErrorCode(stored) }, text)
          : logger.error({ ...about, code: safeErrorCode(stored) }, text)));
        return upstream.request(built).then(
          (sent) => {
            // Reversed only when the host accepted it (the SAF queue's rule: `isAcceptedFor`, `00`, a 1993 14xx's `400`):
            // a 96 or a 05 undid nothing, the cardholder stays charged.
            const responseCode = (sent as IsoMessage)['39'];
            if (isAcceptedFor(dialect, responseCode, String(built['0']))) {
              count('reversed-without-saf');
              logSafely(() => logger.warn(ended({ ...about, responseCode }), `${why}: reversed without SAF`));
              return;
            }
            count('reversal-declined');
            undone++;
            if (listed()) undoneListed++;
            notReversedLine(code, { responseCode }, `${why}: its reversal, sent once without SAF, was not accepted (${String(responseCode)}): NOT reversed`);
          },
          (lost: unknown) => {
            count('not-reversed');
            undone++;
            if (listed()) undoneListed++;
            notReversedLine(safeErrorCode(lost), {}, `${why}: its reversal could not be stored nor sent: NOT reversed`);
          },
        );
      },
    );
    underway.set(done, { ...about, why });
    void done.finally(() => {
      underway.delete(done);
      told.delete(done);
    });
    // The caller (a decline to the terminal) waits only for the store: stored, or handed to the send without SAF when
    // that fails (`done`'s handler, attached first, has started it); the bank's answer to that send adds no durability.
    return journaled.then(() => undefined, () => undefined);
  };
  const settled = async (waitMs?: number): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const limit = waitMs === undefined ? undefined : new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    // Reversals started while waiting (an endpoint still handing its leftovers over) are waited for too.
    while (underway.size > 0) {
      const all = Promise.allSettled([...underway.keys()]).then(() => undefined);
      if (limit === undefined) await all;
      else if ((await Promise.race([all.then(() => 'all' as const), limit.then(() => 'limit' as const)])) === 'limit') break;
    }
    clearTimeout(timer);
  };
  // Each reversal still under way, at `error` (the first UNDERWAY_LINES_MAX a line each; the rest named in one more
  // line, so that the operator's list of what to check by hand stays whole, sr67n #2), and how many they are.
  const logUnderway = (): number => {
    let n = 0;
    const rest: Record<string, unknown>[] = [];
    for (const [pending, { why, ...fields }] of underway) {
      // Listed by a call before (an abort's, then a stop's): not a second line, counted all the same (sr68c #4).
      if (told.has(pending)) continue;
      told.add(pending);
      if (n++ >= UNDERWAY_LINES_MAX) rest.push(fields);
      else logSafely(() => logger.error(fields, `${String(why)}: its reversal is still being stored or sent as the stop ends: NOT known reversed`));
    }
    // In lines of UNDERWAY_LINES_MAX each: one line of thousands would be cut by log shippers (sr67o #4).
    for (let at = 0; at < rest.length; at += UNDERWAY_LINES_MAX) {
      const more = rest.slice(at, at + UNDERWAY_LINES_MAX);
      logSafely(() => logger.error({ more }, `${more.length} more approvals the clients never got: their reversals are still being stored or sent as the stop ends: NOT known reversed`));
    }
    return underway.size;
  };
  return Object.assign(handle, {
    settled,
    notReversed: () => undone,
    underway: () => underway.size,
    logUnderway,
    notReversedSince: async (before: number, until: number, aborted: () => boolean = () => false): Promise<number> => {
      await settled(Math.max(until - Date.now(), 0) + STOP_SETTLE_WAIT);
      // One an abort listed (and counted on its end line) that then ended NOT reversed is the abort's, not the stop's
      // too (sr68p #1). Listing happens at a stop's or an abort's end only (the commands), so those listed are this
      // stop's abort's.
      if (aborted()) return Math.max(0, undone - before - undoneListed);
      // Those ended NOT reversed since `before` (each logged at error as it ended), and those still under way: listed here,
      // unless an abort begun meanwhile lists and counts them on its own end line (sr68c #4); the ended ones are the
      // stop's to count either way (the abort's line counts only those under way, sr68n #1).
      return undone - before + logUnderway();
    },
  });
}

/**
 * The HTTP routes' `onUndelivered`: an answer whose request was aborted (the client's connection closed before the
 * response was written; `client-gone`) or that could not be written in the form asked (the client got a 502;
 * `reply-invalid`) goes to {@link undeliveredApproval}, with the upstream that answered it (the routes say).
 */
export function httpUndelivered(reverse: UndeliveredApproval): UndeliveredAnswerHandler {
  return (request, answer, upstream, reason) => reverse(request, answer, upstream, reason === 'unwritable' ? 'reply-invalid' : 'client-gone', 'http');
}
