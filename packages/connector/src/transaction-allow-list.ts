/**
 * What a transaction log may hold, written once for every store: a record is rebuilt from an allow-list of the keys of
 * {@link TransactionRecord} (never spread from its input), each value checked for its type and for the longest value
 * its ISO 8583 field can carry, and the PAN masked (first 6 + last 4) even when the caller passed it in full. Anything
 * else (track data, PIN block, field 55, field 48, or any other key) never reaches a store. Every store (the file store
 * and PostgreSQL) calls {@link toTransactionRecord} in `record`, so a record is refused, or stripped, the same way in
 * both. Error texts name the key, never its value. (Queries are checked in transaction-query.ts.) A store that keeps
 * each value in a column of its own (PostgreSQL) calls {@link transactionValues} instead: the same checks and keys,
 * with no record object in between.
 */
import { isMaskedPan, maskPan, ownedText } from '@iso8583/codec';
import { connectorError } from './errors.js';
import { PlainRecord } from './plain-record.js';
import type { TransactionOutcome, TransactionRecord } from './transaction-log.js';

/** The longest value of each text key of a record: the field's maximum length in ISO 8583 (1987 and 1993). */
const TEXT_KEYS = {
  node: 200,
  upstream: 200,
  mti: 4,
  responseMti: 4,
  pan: 19,
  processingCode: 6,
  amount: 12,
  currency: 3,
  transmissionTime: 10,
  stan: 6,
  localTime: 6,
  localDate: 4,
  rrn: 12,
  authCode: 6,
  responseCode: 3,
  terminal: 8,
  merchant: 15,
  errorCode: 100,
} as const satisfies Partial<Record<keyof TransactionRecord, number>>;

/** A key of a record whose value is text (checked for its length and for control characters). */
export type TextKey = keyof typeof TEXT_KEYS;

/** The text keys and their longest values, listed once (not rebuilt for every record), side by side. */
const TEXT_NAMES: readonly string[] = Object.keys(TEXT_KEYS);
const TEXT_MAX: readonly number[] = Object.values(TEXT_KEYS);
/** Where `node` is among the text keys. */
const NODE_AT = TEXT_NAMES.indexOf('node');
/**
 * Whether each text key's value is copied ({@link ownedText}): only the ones a recorder takes from the message (field
 * 42, 13 characters or more, cut from a decoded message holds the whole message's text). Not `node` and `upstream`
 * (the recorder's own names, the same strings every record: a copy would only cost), nor `pan` (masked first, which
 * makes a fresh string: a clear PAN is never copied through the Buffer pool's shared slab).
 */
const COPIED: readonly boolean[] = TEXT_NAMES.map((key) => key !== 'node' && key !== 'upstream' && key !== 'pan');

/** The keys a record must have. */
const REQUIRED: readonly (keyof TransactionRecord)[] = ['at', 'node', 'upstream', 'mti', 'latencyMs', 'outcome'];

/** Every outcome (the allow-list of `outcome`). */
export const TRANSACTION_OUTCOMES: readonly TransactionOutcome[] = ['approved', 'declined', 'timeout', 'error', 'reversed', 'saf', 'delivered', 'expired', 'abandoned'];

/** The latest time a record or query may name: the end of year 9999 (ms since the epoch), what every store can hold. */
export const MAX_TRANSACTION_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);


function invalid(key: string, reason: string): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD', reason, { field: key });
}

function text(key: string, value: unknown, max: number): string {
  if (typeof value !== 'string') throw invalid(key, 'must be a string');
  if (value.length > max) throw invalid(key, `longer than ${max} characters`);
  if (hasControl(value)) throw invalid(key, 'contains a control character');
  return value;
}

/**
 * The value a record keeps of the checked text at index `i` of the text keys: the PAN masked (maskPan makes a fresh
 * string of the head, stars and tail: the clear PAN is never copied), a masked one and every value taken from the
 * message copied (a field cut from a decoded message, field 42, would hold the whole message's text while the record
 * is kept: the console's ring, a store's batch), the recorder's own names as they are ({@link COPIED}).
 */
function kept(i: number, key: string, value: string): string {
  if (key === 'pan') return isMaskedPan(value) ? ownedText(value) : maskPan(value);
  return COPIED[i] === true ? ownedText(value) : value;
}

/**
 * True when `value` holds a control character, U+0000 to U+001F or U+007F (NUL among them, which no PostgreSQL text
 * can hold): never part of a field a record keeps. A loop over the char codes (no regular expression per value).
 */
export function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x1f || c === 0x7f) return true;
  }
  return false;
}

/** `input` as an object with every required key and a known outcome; throws naming the key otherwise. */
function checkedSource(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('record', 'must be an object');
  const source = input as Record<string, unknown>;
  for (const key of REQUIRED) if (source[key] === undefined) throw invalid(key, 'is required');
  const outcome = source['outcome'];
  if (typeof outcome !== 'string' || !(TRANSACTION_OUTCOMES as readonly string[]).includes(outcome)) {
    throw invalid('outcome', `must be one of ${TRANSACTION_OUTCOMES.join(', ')}`);
  }
  return source;
}

function time(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TRANSACTION_TIME) throw invalid(key, 'must be a number of milliseconds from 0 to the end of year 9999');
  return value;
}

/** Below this many ms (2^43, the year 2248) a double holds finer than a microsecond; above it a fraction is coarser already. */
const MICRO_EXACT = 2 ** 43;

/**
 * A record's `at` as every store keeps it: to the microsecond (PostgreSQL's `timestamptz`; the file store and the
 * console's ring the same), a finer fraction rounded. The whole milliseconds and the fraction apart, so that reading a
 * rounded time again gives it back unchanged; its text is always fixed-point (never `1e-7`), what a cursor can carry.
 */
function atTime(value: unknown): number {
  const at = time('at', value);
  if (Number.isInteger(at) || at >= MICRO_EXACT) return at;
  const ms = Math.floor(at);
  return ms + Math.round((at - ms) * 1000) / 1000;
}

/**
 * True when a record may hold `value` under `key`: no longer than its field, no control character (what
 * {@link toTransactionRecord} checks). The recorder leaves out a request's value that does not fit (a request refused
 * for that very value, `"4"` of 13 digits) rather than have the allow-list refuse the whole record: each request is
 * still recorded once, with its outcome.
 */
export function fitsRecord(key: TextKey, value: string): boolean {
  return value.length <= TEXT_KEYS[key] && !hasControl(value);
}

/**
 * The longest value a record keeps under `key` (field 41 `terminal` 8, field 37 `rrn` 12): the one length a record and
 * a query's filter share, so that no filter is accepted that no record could match.
 */
export function longestText(key: TextKey): number {
  return TEXT_KEYS[key];
}

/** The records {@link sealedTransactionRecord} made: frozen, so each is still what the allow-list let through. */
const SEALED = new WeakSet<object>();

/**
 * The record as a store keeps it: only the keys of {@link TransactionRecord}, values checked, the PAN masked. Throws
 * `ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD` naming the key when a required key is missing or a value has the wrong
 * type, is longer than its field or holds a control character. Unknown keys are dropped. A record
 * {@link sealedTransactionRecord} made is returned as it is (already checked, and frozen since).
 */
export function toTransactionRecord(input: unknown): TransactionRecord {
  if (typeof input === 'object' && input !== null && SEALED.has(input)) return input as TransactionRecord;
  const source = checkedSource(input);
  const outcome = source['outcome'] as TransactionOutcome;
  const out = new PlainRecord();
  out['at'] = atTime(source['at']);
  out['latencyMs'] = time('latencyMs', source['latencyMs']);
  out['outcome'] = outcome;
  for (let i = 0; i < TEXT_NAMES.length; i++) {
    const key = TEXT_NAMES[i] as string;
    const value = source[key];
    if (value === undefined) continue;
    out[key] = kept(i, key, text(key, value, TEXT_MAX[i] as number));
  }
  return out as unknown as TransactionRecord;
}

/**
 * {@link toTransactionRecord}, frozen and remembered: a record handed to several readers (a recorder's observers, the
 * console's ring among them, and its log) is checked once, and each of them finds it checked
 * (`toTransactionRecord` returns it as it is). Throws as `toTransactionRecord` does.
 */
export function sealedTransactionRecord(input: unknown): TransactionRecord {
  const clean = toTransactionRecord(input);
  if (!SEALED.has(clean)) SEALED.add(Object.freeze(clean));
  return clean;
}

/** The keys of a record whose values are text, in the order {@link transactionValues} gives them. */
export const TRANSACTION_TEXT_KEYS: readonly (keyof TransactionRecord)[] = TEXT_NAMES as (keyof TransactionRecord)[];

/** The values {@link transactionValues} gives: `at`, `latencyMs`, `outcome`, then one per text key (absent: `undefined`). */
export interface TransactionValues {
  at: number;
  latencyMs: number;
  outcome: TransactionOutcome;
  /** Side by side with {@link TRANSACTION_TEXT_KEYS}. */
  texts: (string | undefined)[];
}

/** One object for every call: a store reads it at once (a record per call, no object per record). */
const VALUES: TransactionValues = { at: 0, latencyMs: 0, outcome: 'approved', texts: TEXT_NAMES.map(() => undefined) };

/**
 * The values of the record a store keeps, checked as {@link toTransactionRecord} checks them (the same errors), the PAN
 * masked, `node` replaced by `node` when given, with no record object made: for a store that writes each value in a
 * column of its own (PostgreSQL). The object returned is the same at every call: read it before the next.
 */
export function transactionValues(input: unknown, node?: string): Readonly<TransactionValues> {
  if (typeof input === 'object' && input !== null && SEALED.has(input)) return sealedValues(input as Record<string, unknown>, node);
  const source = checkedSource(input);
  VALUES.at = atTime(source['at']);
  VALUES.latencyMs = time('latencyMs', source['latencyMs']);
  VALUES.outcome = source['outcome'] as TransactionOutcome;
  const texts = VALUES.texts;
  for (let i = 0; i < TEXT_NAMES.length; i++) {
    const key = TEXT_NAMES[i] as string;
    const given = key === 'node' && node !== undefined ? node : source[key];
    if (given === undefined) {
      texts[i] = undefined;
      continue;
    }
    texts[i] = kept(i, key, text(key, given, TEXT_MAX[i] as number));
  }
  return VALUES;
}

/**
 * {@link transactionValues} of a record {@link sealedTransactionRecord} made: checked then and frozen since, so its
 * values are read as they are (a recorder with observers, the gateway's console among them, seals each record once;
 * its store does not check it again). `node`, when given, is checked as any value is.
 */
function sealedValues(sealed: Record<string, unknown>, node: string | undefined): Readonly<TransactionValues> {
  VALUES.at = sealed['at'] as number;
  VALUES.latencyMs = sealed['latencyMs'] as number;
  VALUES.outcome = sealed['outcome'] as TransactionOutcome;
  const texts = VALUES.texts;
  for (let i = 0; i < TEXT_NAMES.length; i++) texts[i] = sealed[TEXT_NAMES[i] as string] as string | undefined;
  if (node !== undefined) texts[NODE_AT] = text('node', node, TEXT_KEYS.node);
  return VALUES;
}
