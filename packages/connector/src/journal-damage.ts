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
import { SEAL_HEAD_BYTES, SEAL_LENGTH, checkSeal, hexDigit, seal } from './journal-checksum.js';
import { ADD_OP, RECORD_START, addJsonLine } from './journal-record.js';

/** A checksum's bytes as a template: its framing, and in place of its digits those of the CRC-32 of no bytes. */
const SEAL_TEMPLATE = Buffer.from(seal(''));

/** Where the checksum's 8 hex digits are in {@link SEAL_TEMPLATE}. */
const DIGITS_FROM = SEAL_LENGTH - 10;
const DIGITS_TO = SEAL_LENGTH - 2;

/** Bytes of a line's last {@link SEAL_LENGTH} that may be damaged and the line still be taken as ending a record: 2. */
export const SEAL_SLACK = 2;

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

/** How an add's message begins (`"reversal":{`, as journal-record.ts writes it): more than one in a part is more than one add. */
const MESSAGE_TEXT = '"reversal":{';

/** How every `add` begins (`{"op":"add","`: {@link ADD_OP} and the quote of its next member). */
const ADD_START = Buffer.from(ADD_OP + ',"');

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
  if (text.includes(ADD_OP) || text.includes(MESSAGE_TEXT) || nearAddStart(line) || line.includes(0)) return 'add';
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
  const at = text.indexOf(ADD_OP);
  const nul = text.lastIndexOf('\0');
  const message = text.indexOf(MESSAGE_TEXT);
  const other = at < 0 && (/^\{"op":"(attempt|done)"/.test(text) || nul >= 0);
  const own = at > 0 ? text.slice(at) : other ? text.slice(nul >= 0 ? nul + 1 : message >= 0 ? message : text.length) : text;
  for (const [key, pattern] of READABLE) {
    const value = pattern.exec(own)?.[1];
    if (value !== undefined) read[key] = value;
  }
  return read;
}

/**
 * The length of the shortest `add` line there can be (an id of one character, an empty message, time 0: 57 bytes): a
 * run of NUL bytes no longer than it cannot have held an add and its newline.
 */
export const SHORTEST_ADD = addJsonLine('x', '{}', 0).length;

/** {@link ADD_OP}'s bytes. */
const ADD_OP_BYTES = Buffer.from(ADD_OP);

/**
 * A damaged line (or the bad piece of one) as the adds whose start can be seen in it (sr66h #2): split before each
 * `{"op":"add"` but one at its very beginning, each part with its offset in `line`. The first part may be the rest of
 * another record (or an add whose start is damaged: `readDamaged` tells). Damage over several adds (a torn sector
 * over several lines) then counts each add whose start it left readable, not one for the line.
 */
export function addParts(line: Buffer): { at: number; bytes: Buffer }[] {
  const parts: { at: number; bytes: Buffer }[] = [];
  let at = 0;
  for (let next = line.indexOf(ADD_OP_BYTES, 1); next >= 0; next = line.indexOf(ADD_OP_BYTES, next + 1)) {
    parts.push({ at, bytes: line.subarray(at, next) });
    at = next;
  }
  parts.push({ at, bytes: line.subarray(at) });
  return parts;
}

/** {@link MESSAGE_TEXT}'s bytes. */
const MESSAGE = Buffer.from(MESSAGE_TEXT);

/**
 * True when a damaged part may hide more adds than the one it reads as (sr66h #2): it holds NUL bytes (a torn sector:
 * the newlines and starts of the records it covered cannot be told), or the messages of more than one add.
 */
export function mayHideMore(part: Buffer): boolean {
  if (part.includes(0)) return true;
  const first = part.indexOf(MESSAGE);
  return first >= 0 && part.indexOf(MESSAGE, first + 1) >= 0;
}

/** {@link RECORD_START}'s bytes. */
const RECORD_START_BYTES = Buffer.from(RECORD_START);

/**
 * The whole records inside a bad line (`[from, to)` byte ranges, in order, one at a time): each a part of it that
 * begins as a record does and ends in a checksum its bytes match. A newline damaged between two records (a flipped bit)
 * merges them into one line that is not a record, and one damaged after the last record leaves a stray byte after it:
 * the records are intact, their checksums vouch for each. The rest of the line (a stray byte, a damaged record) is bad,
 * apart. Linear in the line's length whatever it holds (sr66h #5): both searches only go forward, and each record start
 * is checked at most once, against the first checksum after it when no other record starts before that checksum (a
 * record holds no `{"op":"` and no `,"crc":"` inside: a JSON string escapes its quotes), so no byte is summed twice
 * but for a checksum's own. A generator, so that its reader (journal-read.ts) pauses between records of a huge merged
 * line. Only for lines that are not records: nothing on a good line's path.
 */
export function* sealedRecords(line: Buffer): Generator<[number, number], void, void> {
  let head = -1;
  for (let from = line.indexOf(RECORD_START_BYTES); from >= 0; ) {
    if (head < from && (head = line.indexOf(SEAL_HEAD_BYTES, from)) < 0) return;
    const next = line.indexOf(RECORD_START_BYTES, from + 1);
    // Another record starts before this checksum: the checksum is that one's (or a later one's), not this start's.
    if (next >= 0 && next < head) {
      from = next;
      continue;
    }
    const to = head + SEAL_LENGTH;
    if (to > line.length) return;
    if (checkSeal(line.subarray(from, to)) === 'good') yield [from, to];
    from = next;
  }
}
