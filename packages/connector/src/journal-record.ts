/**
 * The lines of the file journal, built by hand: the same bytes `JSON.stringify` gives for the same record (a test
 * checks it over generated messages), without its walk of a fresh wrapper object per record, then its checksum as its
 * last member (journal-checksum.ts). A message is a flat map
 * of field number to string in all but rare cases (a composite field nests an object): strings of printable ASCII
 * other than `"` and `\` go between quotes as they are; anything else (a control character, non-ASCII text, a nested
 * or non-string value) is handed to `JSON.stringify`, so that the escaping rules live in one place.
 */
import type { IsoMessage } from '@iso8583/codec';
import { seal } from './journal-checksum.js';
import type { JournalEntry, JournalOutcome } from './saf-store.js';
import type { UndidNothing } from './journal-overtaken.js';

/** What every record line begins with (`{"op":"`): it occurs nowhere inside one (a JSON string escapes its quotes). */
export const RECORD_START = '{"op":"';

/** What every `add` line begins with (`{"op":"add"`): the one spelling of it, for the readers of damaged lines too. */
export const ADD_OP = RECORD_START + 'add"';

/** What an `add` line begins with, up to its id (made once: the same concatenations per line as a literal). */
const ADD_TO_ID = ADD_OP + ',"id":';

/** True when `s` goes between quotes as it is in JSON: printable ASCII other than `"` and `\\`. */
export function plainJson(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Below space (control characters), the quote, the backslash, and past `~` (DEL, non-ASCII, surrogates).
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return false;
  }
  return true;
}

/** A JSON string literal of `s`: as it is between quotes when nothing in it needs escaping. */
export function jsonString(s: string): string {
  return plainJson(s) ? '"' + s + '"' : JSON.stringify(s);
}

/** The JSON object of a message (keys in the order `JSON.stringify` uses: field numbers ascending, then the rest). */
export function messageJson(message: IsoMessage): string {
  let out = '{';
  for (const key of Object.keys(message)) {
    const value = message[key];
    if (typeof value !== 'string') return JSON.stringify(message);
    out += (out.length === 1 ? '' : ',') + jsonString(key) + ':' + jsonString(value);
  }
  return out + '}';
}

/** A number as `JSON.stringify` writes it (`null` for NaN and the infinities). */
function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/**
 * The `add` line of an entry: `{"op":"add","id":..,"reversal":{..},"at":..[,"attempts":n][,"kind":"advice"],"crc":..}`.
 */
export function addLine(e: JournalEntry): string {
  return addJsonLine(e.id, messageJson(e.reversal), e.at, e.attempts, e.kind);
}

/** The `add` line of an entry whose message is given as its JSON text (`reversalJson`, as {@link messageJson} writes it). */
export function addJsonLine(id: string, reversalJson: string, at: number, attempts?: number, kind?: string): string {
  return seal(
    ADD_TO_ID +
      jsonString(id) +
      ',"reversal":' +
      reversalJson +
      ',"at":' +
      jsonNumber(at) +
      (attempts ? ',"attempts":' + jsonNumber(attempts) : '') +
      (kind === 'advice' ? ',"kind":"advice"' : ''),
  );
}

/** The `attempt` line: attempt `attempt` (1-based) of entry `id` is about to be sent. */
export function attemptLine(id: string, attempt: number): string {
  return seal('{"op":"attempt","id":' + jsonString(id) + ',"attempt":' + jsonNumber(attempt));
}

/** What follows the id in a `done` line, up to the time, for each outcome (made once: outcomes are a closed set). */
const DONE_MIDDLE: Readonly<Record<JournalOutcome, string>> = {
  'not-needed': ',"outcome":"not-needed","at":',
  reversed: ',"outcome":"reversed","at":',
  delivered: ',"outcome":"delivered","at":',
  abandoned: ',"outcome":"abandoned","at":',
  expired: ',"outcome":"expired","at":',
};

/**
 * The `done` line: entry `id` ended with `outcome` at `at` (ms since the epoch); `undid`: a reversal answered with a code
 * that undid nothing, that code and when it was first answered so (`"rc"`, `"since"`: journal-overtaken.ts);
 * `retires`: the entry's original was approved in time, which retires a kept reversal of its transaction that undid
 * nothing (`"retires":true`, journal-overtaken.ts); `ends`, with `retires`: the entries of that transaction's reversals
 * that undid nothing whose own `done` had not taken effect, which this record ends (`"ends":[ids]`, none: no member).
 */
export function doneLine(id: string, outcome: JournalOutcome, at: number, undid?: UndidNothing, retires = false, ends: readonly string[] = []): string {
  const middle = DONE_MIDDLE[outcome] ?? ',"outcome":' + jsonString(outcome) + ',"at":';
  const ended = retires && ends.length > 0 ? ',"ends":[' + ends.map(jsonString).join(',') + ']' : '';
  const end = (undid === undefined ? '' : ',"rc":' + jsonString(undid.rc) + ',"since":' + jsonNumber(undid.since)) + (retires ? ',"retires":true' : '') + ended;
  return seal('{"op":"done","id":' + jsonString(id) + middle + jsonNumber(at) + end);
}

/**
 * The `add` line of the entry of `line` (an `add` line) with at least `attempt` attempts: the entry read back and
 * written again (a reversal being sent: rare, and never on a request's path).
 */
export function withAttempts(line: string, attempt: number): string {
  const record = JSON.parse(line) as JournalEntry;
  if ((record.attempts ?? 0) >= attempt) return line;
  return addLine({ id: record.id, reversal: record.reversal, at: record.at, attempts: attempt, ...(record.kind === 'advice' ? { kind: record.kind } : {}) });
}

/**
 * `s`, made flat. A string built with `+` is kept by V8 as a tree of its pieces until a read of a character joins them
 * (in place): the journal keeps each `add` line until its `done`, so it keeps it joined, about 300 bytes rather than
 * about 2 KB of pieces for a purchase's reversal (measured), which every minor GC would copy while the request is in
 * flight.
 */
export function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}
