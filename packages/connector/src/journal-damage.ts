/**
 * Telling a damaged journal record from one a crash cut (journal-read.ts), and what can still be read of a damaged one.
 * A crash tears a write: what reaches the file is a beginning of a record (then the preallocated blank lines), never a
 * record of full length with some bytes changed. A record's checksum (journal-checksum.ts) sits at its end, so a line
 * that still ends as a checksum does (`,"crc":"` + 8 hex digits + `"}`, give or take {@link SEAL_SLACK} damaged bytes)
 * reached its end: it is damaged, never cut. A beginning of a record cut short cannot end so: its last bytes are those
 * of the record shifted by the bytes it lacks, which match the checksum's framing nowhere near as closely (the fields a
 * journal holds, an allow-list of digits and text, hold no `"` to form it).
 * A record damaged in its checksum only (its framing, or one of its digits) is repaired: its bytes still match the
 * CRC-32 the line holds (at least 7 of its 8 digits), so they are the bytes written; its record is recovered.
 */
import { SEAL_LENGTH, checkSeal, seal } from './journal-checksum.js';

/** A checksum's bytes as a template: its framing, and in place of its digits those of the CRC-32 of no bytes. */
const SEAL_TEMPLATE = Buffer.from(seal(''));

/** Where the checksum's 8 hex digits are in {@link SEAL_TEMPLATE}. */
const DIGITS_FROM = SEAL_LENGTH - 10;
const DIGITS_TO = SEAL_LENGTH - 2;

/** Bytes of a line's last {@link SEAL_LENGTH} that may be damaged and the line still be taken as ending a record: 2. */
export const SEAL_SLACK = 2;

/** True when `b` is a lowercase hex digit's byte. */
function hexDigit(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66);
}

/**
 * True when `line` ends as a record with a checksum does (its last {@link SEAL_LENGTH} bytes are the checksum's framing
 * and hex digits, but for at most {@link SEAL_SLACK} bytes): a line that reached its end, so damaged if it is not a
 * record, never cut by a crash.
 */
export function sealShaped(line: Buffer): boolean {
  const from = line.length - SEAL_LENGTH;
  if (from < 1) return false;
  let off = 0;
  for (let i = 0; i < SEAL_LENGTH; i++) {
    const b = line[from + i] as number;
    const fits = i >= DIGITS_FROM && i < DIGITS_TO ? hexDigit(b) : b === SEAL_TEMPLATE[i];
    if (!fits && ++off > SEAL_SLACK) return false;
  }
  return true;
}

/**
 * `line` with its checksum mended, when the line is a whole record damaged in one byte of its checksum (its framing or
 * one digit): the record its bytes hold, with the checksum they should have, which then differs from the line in that
 * byte only (bytes damaged before the checksum change its CRC-32 in about 7 of its 8 digits). `undefined` otherwise.
 */
export function mendSeal(line: Buffer): Buffer | undefined {
  const head = line.length - SEAL_LENGTH;
  if (head < 1 || checkSeal(line) === 'good') return undefined;
  const bytes = line.subarray(0, head);
  const text = bytes.toString('utf8');
  // Bytes that are not UTF-8 were not written as they are: not mended.
  if (!Buffer.from(text).equals(bytes)) return undefined;
  const mended = Buffer.from(seal(text));
  let differ = 0;
  for (let i = head; i < line.length; i++) if (mended[i] !== line[i]) differ += 1;
  return differ === 1 ? mended : undefined;
}

/** What a damaged line still reads as (each member only when it reads as one plausibly would). */
export interface DamagedRecord {
  /** The record's operation: `add` (a reversal or advice to send), `attempt` or `done`. */
  op: 'add' | 'attempt' | 'done';
  /** The entry's id. */
  id?: string;
  /** Its STAN (field 11: 6 digits). */
  stan?: string;
  /** Its terminal (field 41: up to 8 characters). */
  terminal?: string;
  /** Its retrieval reference number (field 37: 12 characters). */
  rrn?: string;
}

/** The members read from a damaged line: each a pattern of what it holds, so that no card data can be taken for one. */
const READABLE: readonly [keyof Omit<DamagedRecord, 'op'>, RegExp][] = [
  ['id', /"id":"([A-Za-z0-9_-]{1,64})"/],
  ['stan', /"11":"([0-9]{6})"/],
  ['terminal', /"41":"([ -!#-[\]-~]{1,8})"/],
  ['rrn', /"37":"([A-Za-z0-9 ]{12})"/],
];

/** How every `add` begins (`{"op":"add","`). */
const ADD_START = Buffer.from('{"op":"add","');

/** True when `line` begins as an `add` does but for at most one byte (a damaged bit of its first bytes). */
function nearAddStart(line: Buffer): boolean {
  if (line.length < ADD_START.length) return false;
  let off = 0;
  for (let i = 0; i < ADD_START.length; i++) if (line[i] !== ADD_START[i] && ++off > 1) return false;
  return true;
}

/**
 * A damaged line's operation. An `add` (a reversal or advice maybe owed) when any part of it reads as one: `{"op":"add"`
 * or an add's message (`"reversal":{`) anywhere in it (a line merged with a neighbour, damaged in its first bytes), its
 * first bytes within one byte of an add's, or a NUL byte in it (a torn sector: what it overwrote cannot be told, so
 * maybe an add); else `attempt` or `done` when it begins as one; else `undefined`.
 */
function damagedOp(line: Buffer, text: string): DamagedRecord['op'] | undefined {
  if (text.includes('{"op":"add"') || text.includes('"reversal":{') || nearAddStart(line) || line.includes(0)) return 'add';
  return /^\{"op":"(attempt|done)"/.exec(text)?.[1] as DamagedRecord['op'] | undefined;
}

/**
 * What can still be read of a damaged line (never card data: only its operation, entry id, STAN, terminal and RRN, each
 * by the pattern of what it holds); `undefined` when its operation cannot be read (see {@link damagedOp}).
 */
export function readDamaged(line: Buffer): DamagedRecord | undefined {
  const text = line.toString('latin1');
  const op = damagedOp(line, text);
  if (op === undefined) return undefined;
  const read: DamagedRecord = { op };
  // Merged after a neighbour: its members read from where the add begins (not the neighbour's id). An add whose own
  // beginning is gone behind a record that begins the line (a torn sector over a `done`'s end and the add's start): from
  // after the sector's last NUL, else from its message, never the id of the record in front of it (sr66h #1).
  const at = text.indexOf('{"op":"add"');
  const nul = text.lastIndexOf('\0');
  const message = text.indexOf('"reversal":{');
  const other = at < 0 && (/^\{"op":"(attempt|done)"/.test(text) || nul >= 0);
  const own = at > 0 ? text.slice(at) : other ? text.slice(nul >= 0 ? nul + 1 : message >= 0 ? message : text.length) : text;
  for (const [key, pattern] of READABLE) {
    const value = pattern.exec(own)?.[1];
    if (value !== undefined) read[key] = value;
  }
  return read;
}

/** What begins every checksum (`,"crc":"`): the first bytes of {@link SEAL_TEMPLATE}. */
const SEAL_HEAD = SEAL_TEMPLATE.subarray(0, DIGITS_FROM);

/** What every record begins with (`{"op":"`): it occurs nowhere inside one (a JSON string escapes its quotes). */
const RECORD_START = Buffer.from('{"op":"');

/**
 * The whole records inside a bad line (`[from, to)` byte ranges, in order): each a part of it that begins as a record
 * does and ends in a checksum its bytes match. A newline damaged between two records (a flipped bit) merges them into
 * one line that is not a record, and one damaged after the last record leaves a stray byte after it: the records are
 * intact, their checksums vouch for each. The rest of the line (a stray byte, a damaged record) is bad, apart. One
 * CRC-32 per checksum the line holds, and only for lines that are not records: nothing on a good line's path.
 */
export function sealedRecords(line: Buffer): [number, number][] {
  const found: [number, number][] = [];
  let pos = 0;
  for (let head = line.indexOf(SEAL_HEAD); head >= 0; head = line.indexOf(SEAL_HEAD, head + 1)) {
    const to = head + SEAL_LENGTH;
    if (to > line.length) break;
    const from = line.lastIndexOf(RECORD_START, head);
    if (from < pos || checkSeal(line.subarray(from, to)) !== 'good') continue;
    found.push([from, to]);
    pos = to;
    head = to - 1;
  }
  return found;
}
