/**
 * The options of one request (`request`, `sendMessage`), and what a request sent with `saf: true` (store and forward)
 * is answered with instead of the host's response.
 */
import type { IsoMessage, MessageForm, MessageInput } from '@iso8583/codec';
import type { Connector } from './connector.js';
import type { TransactionRecord } from './transaction-log.js';
import type { RECORD_TO } from './transaction-record.js';
import type { IN_TERMINAL_LANE } from './terminal-queue.js';
import { Iso8583Error, maskFreeText } from '@iso8583/codec';
import type { FieldProblem } from '@iso8583/codec';
import { connectorError } from './errors.js';
import { markSent } from './request-sent.js';
import { signalProblem } from './request-abort.js';
import { deadlineProblem, requestTimeoutProblem } from './timeouts.js';
import { ignore, onRejected } from './callback-rejection.js';

/** The send option (internal) that is told a request as its connector sends it (see `SendOptions[SENT_AS]`). */
export const SENT_AS: unique symbol = Symbol('iso8583.sentAs');

/**
 * The send option (internal) that bounds only a request's wait for a connection (see `SendOptions[CONNECT_BY]`), not
 * the wait for its answer.
 */
export const CONNECT_BY: unique symbol = Symbol('iso8583.connectBy');

/** Options of one request. */
export interface SendOptions {
  /**
   * Milliseconds to wait for the response, from 1 to 3600000 (`MAX_REQUEST_TIMEOUT`); anything else is refused with
   * `ISO8583_ERR_CONNECTOR_OPTIONS` naming `timeout`. When shorter than `terminalQueue.timeout`, it bounds the wait in
   * its terminal's queue too (`ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT` naming `timeout`), and the wait for the answer
   * counts it again from the write (up to about twice it in all: `deadline` bounds the whole request). Default: the
   * connector's `requestTimeout`.
   */
  timeout?: number;
  /**
   * One overall deadline for the whole request, a time on the `performance.now()` clock of this process: the waits
   * before the write (the reversal journal, the per-terminal queue, a connection, failover to another upstream) and the
   * wait for the answer all end by it. A request still unwritten at the deadline is never written and fails with
   * `ISO8583_ERR_CONNECTOR_DEADLINE`; one written is given at most the time left (then `ISO8583_ERR_CONNECTOR_TIMEOUT`
   * and, for a reversible request, its reversal). The gateway sets it to end before its POS sequence timeout, so the
   * terminal's answer and the host's outcome always agree. NaN, anything but a number, or a time more than 2147483647 ms
   * (`MAX_TIMER_DELAY`) ahead of `performance.now()` (a wall-clock time such as `Date.now() + 5000`, `Infinity`) is
   * refused before the request is accepted (`ISO8583_ERR_CONNECTOR_OPTIONS` naming `deadline`, never written), with
   * `saf: true` too (where it is otherwise unused). Default: none (each wait has only its own timeout).
   */
  deadline?: number;
  /**
   * The caller gives up on the request when it aborts (an inbound sequence passes its `context.signal`, aborted when
   * its `sequenceTimeout` passes and its client has been answered). A request not yet written is never written
   * (`ISO8583_ERR_CONNECTOR_ABORTED`, `sent: 'no'`; an upstream group does not try it elsewhere); one written is no
   * longer waited for, exactly as after its timeout (`ISO8583_ERR_CONNECTOR_ABORTED`, `sent: 'maybe'`): a reversible
   * request is reversed (reversal on), a later answer is reported as late. The abort's `reason`, when an object, is
   * given the same `sent` as the abort happens (the safe `'maybe'` wins over `'no'`): the inbound endpoint's timeout
   * error then tells its onError sequence whether the request may be at the host (`upstreamFailureCode`: 68, not 96).
   * An abort while the request waits for a connection or for its terminal's turn (`terminalQueue`) ends that wait at
   * once; one while it waits for the journal takes effect when that wait ends (it is not written). An abort whose
   * reason is marked client-gone (`clientGone(reason)`; the HTTP routes abort so when the client's connection closes,
   * an inbound sequence's `context.gone` does) only drops a request still unwritten: one written is awaited and
   * answered as if not aborted (its answer, an approval its client never got, is the caller's to undo).
   * Anything but an `AbortSignal` is refused (`ISO8583_ERR_CONNECTOR_OPTIONS` naming `signal`, never written).
   * Ignored with `saf: true`. Default: none.
   */
  signal?: AbortSignal;
  /**
   * The fixed frame header (e.g. TPDU) for this request when `headerBytes` > 0, else the dialect's message header.
   * Default: the connector's `header` (or the `<header>` of an XML request, the `"header"` of a JSON one).
   */
  header?: Uint8Array;
  /**
   * Told which connector's host answered (in an upstream group, the upstream the request went to) and its answer (the
   * message object, in that upstream's dialect), as soon as the answer is in: before the promise resolves, and before
   * `sendMessage` writes it as XML or JSON text (so a caller whose answer then cannot be written still holds it).
   * Whoever must undo an answer (reverse an approval its client never got) builds the reversal with that upstream's
   * dialect and options and sends it there: `request` is the request as that upstream sent it (with the fields 11 and 7
   * its `autoFill` filled in), what a reversal must name (a connector always gives it; a wrapper that forwards the
   * call may not). Not called for a failure or a `saf` receipt; a throw, or the rejection of a promise it returns, is
   * ignored (the answer is delivered).
   * Default: none.
   */
  answeredBy?: (upstream: Connector, answer: IsoMessage, request?: MessageInput) => void;
  /**
   * Told, in an upstream group, which upstream's connector the request is handed to, before it is (a request tried
   * again on another upstream is told again: the last one told is where it went); e.g. to trace the request and its
   * answer with that upstream's dialect. Not called for a request the group refuses before any upstream takes it (its
   * route's upstream down, its terminal queue), nor by a lone connector (it is its own upstream). A throw, or the
   * rejection of a promise it returns, is ignored.
   * Default: none.
   */
  routedTo?: (upstream: Connector) => void;
  /** @internal Where the request's transaction record goes instead of the log (an upstream group that may retry). */
  [RECORD_TO]?: (record: TransactionRecord) => void;
  /** @internal The request already holds its terminal's turn (an upstream group's shared queue): not queued again. */
  [IN_TERMINAL_LANE]?: boolean;
  /**
   * @internal Told the request as the connector sends it (fields 11 and 7 auto-filled), once accepted, before it goes:
   * an upstream group notes where the original went even when no answer ever comes.
   */
  [SENT_AS]?: (request: MessageInput) => void;
  /**
   * @internal A `performance.now()` time by which the request must have its connection (`ISO8583_ERR_CONNECTOR_DEADLINE`,
   * never written, past it); once written, its answer gets its whole `timeout`. An upstream group's own bound on a
   * further try (upstream-group-tries.ts): a request written just before it is not cut moments after it left (and so
   * reversed while the host may book it). Default: none (only `deadline`, when given, bounds the wait).
   */
  [CONNECT_BY]?: number;
  /**
   * Store and forward: an advice or reversal (0120, 0220, 0420, their repeats, 0400; 1120, 1220, 1420 with a 1993
   * dialect) is journaled and the call resolves at once with a {@link SafReceipt}; the SAF queue delivers it in the
   * background (repeated as xxx1 until answered). Any other MTI, or a connector without a SAF queue (`saf.enabled`), is
   * refused with `ISO8583_ERR_CONNECTOR_SAF` naming `saf`. Default `false`.
   */
  saf?: boolean;
}

/** The answer to a request sent with `saf: true`: it is stored (journaled and synced) under `id`. */
export interface SafReceipt {
  /** Always `true`: stored, not yet delivered. */
  saf: true;
  /** The SAF entry id (in `saf` events and the journal). */
  id: string;
}

/** Send options with `saf: true` (see `SendOptions.saf`). */
export interface SafSendOptions {
  /** Milliseconds to wait for the response: unused when stored (the SAF queue has its own). Default: `requestTimeout`. */
  timeout?: number;
  /** The fixed frame header: unused when stored (the connector's `header` goes with every attempt). */
  header?: Uint8Array;
  /** Store and forward. */
  saf: true;
}

/** The keys of {@link SendOptions} a caller may give (its symbol keys are internal and never checked here). */
const SEND_OPTION_KEYS: ReadonlySet<string> = new Set(['timeout', 'deadline', 'signal', 'header', 'answeredBy', 'routedTo', 'saf']);

/** The type each key of {@link SendOptions} must have (`timeout`, `deadline`, `signal` have their own checks). */
const SEND_OPTION_TYPES: ReadonlyArray<[key: string, reason: string, ok: (value: unknown) => boolean]> = [
  ['saf', 'must be true or false', (v) => typeof v === 'boolean'],
  ['header', 'must be a Uint8Array (a Buffer)', (v) => v instanceof Uint8Array],
  ['answeredBy', 'must be a function', (v) => typeof v === 'function'],
  ['routedTo', 'must be a function', (v) => typeof v === 'function'],
];

/**
 * The problem of the send-options argument of `request`, `sendMessage` and `relay` (a connector's, an upstream
 * group's), if any, found before the request is accepted (never written, nothing stored, `sent: 'no'`):
 * - anything but an object or `undefined` (`null`, a string, a number, an array) is refused with
 *   `ISO8583_ERR_CONNECTOR_OPTIONS` naming `options` (it once threw an uncoded TypeError);
 * - a key that is no send option (`timout`, `SAF`, `signl`), or `saf`, `header`, `answeredBy`, `routedTo` of the wrong
 *   type (`saf: 'true'`), is refused with `ISO8583_ERR_CONNECTOR_OPTIONS` naming every such key (never its value), as
 *   `createConnector` refuses its own: once ignored, a misspelt `saf` sent an advice online (with the host down: failed,
 *   not stored), a misspelt `signal` lost the caller's abort. A key whose value is `undefined` counts as absent;
 * - with `saf: true`, a bad `deadline` (`deadlineProblem`: a wall-clock time, NaN), `timeout` or `signal` is refused
 *   too, though a stored request has no use for them: a caller who set one must not silently go without it.
 * The other options of a request (`timeout`, `deadline`, `signal`) are checked as it is accepted (`RequestOutcomes.refused`).
 */
export function sendOptionsProblem(options: unknown): Iso8583Error | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    const reason = `must be an object of send options, or absent (got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options})`;
    return markSent(connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', reason, { field: 'options', problems: [{ field: 'options', code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason }] }), false);
  }
  const o = options as Record<string, unknown>;
  let problems: FieldProblem[] | undefined;
  for (const key of Object.keys(o)) {
    if (SEND_OPTION_KEYS.has(key) || o[key] === undefined) continue;
    // The key as the caller wrote it; a card number made a key by mistake is masked (an error text is logged).
    (problems ??= []).push({ field: maskFreeText(key), code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason: `is not a send option (${[...SEND_OPTION_KEYS].join(', ')})` });
  }
  for (const [key, reason, ok] of SEND_OPTION_TYPES) {
    if (o[key] !== undefined && !ok(o[key])) (problems ??= []).push({ field: key, code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason });
  }
  if (problems !== undefined) {
    const list = problems.map((p) => `${p.field} (${p.reason})`).join('; ');
    return markSent(new Iso8583Error('ISO8583_ERR_CONNECTOR_OPTIONS', `invalid send options: ${list}`, { field: problems[0]?.field, problems }), false);
  }
  const bad = o.saf === true ? (deadlineProblem(o.deadline) ?? requestTimeoutProblem(o.timeout as number | undefined) ?? signalProblem(o.signal)) : undefined;
  return bad === undefined ? undefined : markSent(bad, false);
}

/** A receipt in the form of the request: JSON text, or `<saf id="..."/>` for XML. */
export function receiptText(receipt: SafReceipt, form: MessageForm): string {
  return form === 'xml' ? `<saf id="${receipt.id}"/>` : JSON.stringify(receipt);
}

/**
 * Tells `answeredBy` (send options) which connector answered, its answer and the request as it sent it (`request`,
 * auto-filled); a throw, or the rejection of a promise it returns, is ignored: the answer is delivered all the same.
 */
export function tellAnswered(answeredBy: NonNullable<SendOptions['answeredBy']>, connector: Connector, answer: IsoMessage, request: MessageInput): void {
  // The caller's answer matters more than its listener: an approval must reach its client.
  try {
    onRejected(answeredBy(connector, answer, request), ignore);
  } catch {
    // Ignored, as the rejection of a promise it returns is.
  }
}
