/**
 * One entry of the SAF queue (saf-queue.ts) and what is read from it alone: its state while it is being sent
 * (`Active`), what its events say of it, its clocks, whether an answer ends it, and the line written when it is given up.
 */
import { CODEC_ERROR_CODES, isAcceptedFor, isSystemError } from '@iso8583/codec';
import type { Dialect, IsoMessage } from '@iso8583/codec';
import type { JournalEntry, JournalState, ReversalJournal, SafEntryKind } from './saf-store.js';
import { attemptMti } from './saf-event.js';
import type { SafEvent, SafSettings } from './saf-event.js';
import { fieldText } from './match-key.js';

/** An entry being sent (saf-queue.ts), until it ends. */
export interface Active {
  entry: JournalEntry;
  kind: SafEntryKind;
  /** Attempts recorded in the journal (each before it was sent). */
  attempts: number;
  /** Read back from the journal (a start, a take-over): every attempt here goes as a repeat (`attemptMti`). */
  readBack: boolean;
  timer: NodeJS.Timeout | undefined;
  /** What the timer waits for: the entry's next attempt (`initialDelay`, `retryInterval`), or its `messageInterval` slot. */
  waiting: 'attempt' | 'slot' | undefined;
  /** When the timer fires, while `waiting` (`performance.now()` time). */
  due: number;
  /** When it expires (`expireAfter`), on this process's monotonic clock (`performance.now()`); Infinity without. */
  expires: number;
  /** The journal's state when an attempt was last sent unjournaled (logged once per entry and state). */
  unjournaled?: JournalState;
  /** Answers with a system error in a row (`repeatWait`); 0 or absent after any other answer. */
  systemErrors?: number;
  /**
   * The attempts made before it went on as another message, its answer's follow-up that could not be stored
   * (`SafHost.followUp`): `maxAttempts` counts those after only (`spent`). Absent: none.
   */
  followed?: number;
  /** Parked: the codec refused its message (`parkUnsendable`); no flush nor connection up tries it again here. */
  parked?: boolean;
  /** Held until its original's outcome is known here (saf-hold.ts): no attempt, flush nor connection up sends it. */
  held?: boolean;
}

/** Attempt `n` of `a` never reached the bank: not counted, here nor in the store `journal` (`ReversalJournal.uncount`). */
export function uncount(journal: ReversalJournal, a: Active, n: number): void {
  a.attempts = n - 1;
  void journal.uncount?.(a.entry.id, n);
}

/**
 * `a` was answered, but what must follow that answer could not be stored (`SafHost.followUp`): it does not end, and
 * goes on as `message`, from memory (its journal record keeps its own message, which a later start repeats), its
 * `maxAttempts` counted afresh (`spent`) and its expiry `expires` afresh (an entry whose `expireAfter` passed while the
 * answered attempt was in flight would otherwise expire before that message is ever sent), until that is answered.
 */
export function goOnAs(a: Active, message: IsoMessage, expires: number): void {
  a.entry = { ...a.entry, reversal: message };
  a.followed = a.attempts;
  a.systemErrors = 0;
  a.expires = expires;
}

/** The attempts of `a` that `maxAttempts` counts: those of its message as it goes now (see `Active.followed`). */
export function spent(a: Active, attempts = a.attempts): number {
  return attempts - (a.followed ?? 0);
}

/**
 * The errors of a SAF attempt that never left because no connection could be had: a connect refused or timed out, a
 * sign-on refused or unanswered, the wait for a connection past the attempt's deadline or `pool.acquireTimeout`. An
 * entry failed so waits for the link, not `retryInterval`: it goes again as soon as a connection is up.
 */
const NO_CONNECTION: ReadonlySet<string> = new Set([
  'ISO8583_ERR_CONNECTOR_CONNECT_FAILED',
  'ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT',
  'ISO8583_ERR_CONNECTOR_SIGN_ON',
  'ISO8583_ERR_CONNECTOR_DEADLINE',
  'ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED',
]);

/** Whether a SAF attempt that failed with `code` never left for want of a connection (see `NO_CONNECTION`). */
export function neverLeft(code: string | undefined): boolean {
  return code !== undefined && NO_CONNECTION.has(code);
}

/**
 * Whether `code` is the codec's refusal of the message itself (it cannot be packed or framed: one of the codec's codes,
 * `CODEC_ERROR_CODES`): an attempt refused so never heals.
 */
function codecRefusal(code: string | undefined): boolean {
  return code !== undefined && Object.hasOwn(CODEC_ERROR_CODES, code);
}

/**
 * Whether a failed SAF attempt never reached the host, and so is not counted (`maxAttempts`, its MTI: the next goes
 * under the same number): its error says its first byte was never written (`sent: 'no'`, request-sent.ts: its
 * connection closed or a match key was in flight when it was to be written, `CONNECTION_LOST`, `DUPLICATE_KEY`; no
 * connection could be had), unless the codec refused the message itself (`unsendable`: the entry is parked); an
 * error without `sent` (a host that is not the connector's) by its code (`neverLeft`). Written, or maybe (`sent:
 * 'maybe'`), it counts: the bank may have it. A refusal not named here errs towards not counting: a reversal is never
 * given up unsent but for a message that can never be sent.
 */
export function unwritten(err: { readonly code?: string; readonly sent?: unknown } | undefined): boolean {
  const sent = err?.sent;
  const code = err?.code;
  if (sent === 'no') return !codecRefusal(code);
  return sent === undefined && neverLeft(code);
}

/**
 * Whether a failed SAF attempt was the codec's refusal of the message itself, before any byte was written (`sent:
 * 'no'`, one of the codec's codes: it cannot be packed or framed, as an entry stored under another dialect, or with a
 * value the dialect no longer takes): every attempt would fail the same way, so the entry is parked at once
 * ({@link parkUnsendable}) rather than tried for ever.
 */
export function unsendable(err: { readonly code?: string; readonly sent?: unknown } | undefined): boolean {
  return err?.sent === 'no' && codecRefusal(err.code);
}

/**
 * Parks `a`, whose message the codec refused (`unsendable`, error `err`): it is tried no more in this process (not by a
 * flush, a graceful stop's included, nor by a connection up), and the refused attempt is not counted (it never reached
 * the bank: `maxAttempts` never gives it up), but it does not end: it stays open in the journal, so that a start whose
 * dialect packs it sends it (a wrong dialect deployed must not wipe out the reversals owed), and counted among those
 * pending (a stop says it is left). Logged once at error (`ISO8583_WARN_SAF_UNSENDABLE`, the codec's code and the
 * field numbers).
 */
export function parkUnsendable(
  active: { wait(a: Active, waiting: 'attempt', due: number): void },
  logger: { error(fields: Record<string, unknown>, msg: string): void },
  a: Active,
  base: Omit<SafEvent, 'stage'>,
  err: { readonly code?: string; readonly field?: string; readonly problems?: readonly { readonly field?: string }[] },
): void {
  clearTimeout(a.timer);
  a.parked = true;
  active.wait(a, 'attempt', Infinity);
  const what = a.kind === 'reversal' ? 'the reversal is NOT applied' : 'the advice is NOT delivered';
  logger.error(
    { ...base, code: 'ISO8583_WARN_SAF_UNSENDABLE', ...refusalFields(err) },
    `SAF entry refused by the codec (it cannot be packed or framed with this dialect): not sent, and not tried again by this process; it stays in the journal for a start whose dialect packs it; ${what} (see cause and fields)`,
  );
}

/**
 * What the give-up line of an unsendable entry says of the codec's refusal `err`: its code (`cause`) and the fields it
 * names (`fields`; never a value: a refused field may be card data).
 */
export function refusalFields(err: { readonly code?: string; readonly field?: string; readonly problems?: readonly { readonly field?: string }[] }): { cause: string | undefined; fields?: string[] } {
  const named = [err.field, ...(err.problems ?? []).map((p) => p.field)];
  const fields = [...new Set(named.filter((f): f is string => typeof f === 'string'))];
  return { cause: err.code, ...(fields.length === 0 ? {} : { fields }) };
}

/** Read back (a start, a take-over) and no attempt made in this run: whether its last recorded attempt left is unknown. */
export function noneHere(a: Active): boolean {
  return a.readBack && a.attempts === (a.entry.attempts ?? 0);
}

/**
 * How long from now until `at + delay` on the wall clock, within [0, delay]: an entry journaled before the clock was
 * stepped back looks as if it came from the future, and would otherwise wait the step as well (an hour back: an hour).
 */
export function wallWait(at: number, delay: number): number {
  return Math.min(Math.max(at + delay - Date.now(), 0), delay);
}

/**
 * Whether a response code in the answer to an attempt sent as `mti` ends an entry: one of `endCodes` does; else a
 * system error of the dialect in the codes `mti` carries (`isSystemError`: SmartVista's `912`, 1987's `96`: the host
 * did not process it; a 1420's `091` is 1993's approval class, no system error) never does; else any, with no
 * `endCodes`; else an answer that accepts it (`isAcceptedFor`: the dialect's approval codes, and ISO 8583:1993's `400`
 * for a 14xx reversal).
 */
export function endsWith(dialect: Dialect, settings: SafSettings, rc: unknown, mti: string): boolean {
  const codes = settings.endCodes;
  if (typeof rc === 'string' && codes?.includes(rc) === true) return true;
  if (isSystemError(dialect, rc, mti)) return false;
  if (codes === undefined) return true;
  return isAcceptedFor(dialect, rc, mti);
}

/** The longest pause between repeats of an entry answered with system errors in a row: SocketQueue's last, 5 minutes. */
const SYSTEM_ERROR_MAX_WAIT = 300_000;

/**
 * Milliseconds from an attempt sent as `mti` answered with `rc` (one that did not end it) to the next:
 * `retryInterval`, doubled for each system error in a row before this one (`isSystemError` in the codes of the MTI: a
 * host that is down, or its issuer, is given time to come back, as SocketQueue waits longer between its repeats), at
 * most 5 minutes (or `retryInterval` when longer). Any other answer starts the count over.
 */
export function repeatWait(dialect: Dialect, rc: unknown, a: Active, retryInterval: number, mti: string): number {
  if (!isSystemError(dialect, rc, mti)) {
    a.systemErrors = 0;
    return retryInterval;
  }
  const before = a.systemErrors ?? 0;
  a.systemErrors = before + 1;
  return Math.min(retryInterval * 2 ** Math.min(before, 30), Math.max(retryInterval, SYSTEM_ERROR_MAX_WAIT));
}

/**
 * The warning of an entry that an answer to an attempt sent as `mti` ended without accepting it (`undefined` for an
 * answer that accepts it, `isAcceptedFor`: an approval, ISO 8583:1993's `400` to a 1420). A reversal (a decline such as
 * `SmartVista`'s `116`, or one of `endCodes`): the money it was to give back may not have come back, and someone should
 * look. An advice: the host had it and refused what it tells (a completion declined, `05`): it ends `delivered` (the
 * host answered: repeating it would get the same answer), and the line says so, with the code.
 */
export function unapprovedEnd(dialect: Dialect, kind: SafEntryKind, rc: string | undefined, mti: string): { code: string; msg: string } | undefined {
  if (isAcceptedFor(dialect, rc, mti)) return undefined;
  if (kind === 'advice') return { code: 'ISO8583_WARN_SAF_ADVICE_DECLINED', msg: 'advice answered with a response code that is not an approval: ended as delivered, not repeated (check with the host what it did with it)' };
  return { code: 'ISO8583_WARN_SAF_REVERSAL_DECLINED', msg: 'reversal answered with a response code that is not an approval: ended, not repeated (check with the host that it was applied)' };
}

/**
 * The line written when an entry is given up without an answer: at `error` when money may stay unreversed (any
 * abandoned entry, and an expired reversal), else (an expired advice) at `warn`; `unknown`: an expired entry read back
 * with attempts made by an earlier run and none here (the last one's outcome not known here).
 */
export function giveUpLine(outcome: 'abandoned' | 'expired', kind: SafEntryKind, unknown: boolean): { code: string; level: 'error' | 'warn'; msg: string } {
  const code = outcome === 'expired' ? 'ISO8583_WARN_SAF_EXPIRED' : 'ISO8583_WARN_SAF_ABANDONED';
  const level = outcome === 'abandoned' || kind === 'reversal' ? 'error' : 'warn';
  const earlier = 'stopped before the end of its last attempt was recorded (the host may have had it, and answered it: ask the host before acting)';
  const msg =
    outcome === 'expired'
      ? unknown
        ? `SAF entry expired: given up unsent; an earlier run attempted it and ${earlier}`
        : 'SAF entry expired unanswered: given up'
      : 'SAF entry abandoned after its last attempt';
  return { code, level, msg };
}

/** What an event says of `a` at its attempt `attempt`: kind, id, the MTI that attempt goes as, STAN and terminal. */
export function entryEvent(a: Active, attempt: number): Omit<SafEvent, 'stage'> {
  const r = a.entry.reversal;
  return {
    kind: a.kind,
    id: a.entry.id,
    mti: attemptMti(r['0'] as string, attempt, a.readBack),
    stan: fieldText(r['11']),
    terminal: fieldText(r['41']),
    attempt,
  };
}
