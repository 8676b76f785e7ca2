/**
 * The keys of the issuer's duplicate check. A transaction is the same one when it has the same MTI version, class
 * and function (an 0200 and its repeat 0201, not an 0100), STAN (11), terminal (41), acquirer (32), PAN (2, else
 * track 2) and amount (4), each present or absent alike, and the same date and time:
 *
 * - an original sent again (x0x0): the same transmission date and time (field 7) under ISO 8583:1987; under 1993 the
 *   same local transaction date and time (field 12, YYMMDDhhmmss), field 7 being the time of each transmission;
 * - a repeat (x0x1, origin digit 1), which carries the time of its own transmission in field 7: the same local
 *   transaction date and time (1987: fields 13 and 12, MMDD and hhmmss; 1993: field 12), field 7 not compared.
 *
 * An original that comes after its repeat (the repeat was handled as the original) matches it by the repeat key when
 * its field 7 is not later than the repeat's (an original is sent before its repeats); a later one is a new
 * transaction under a reused STAN. Field 7 has no year: see {@link sentLater} for the year turning over.
 *
 * The same STAN, terminal and time with another PAN or amount is another transaction (a terminal that reuses its STAN
 * after a restart), booked as such.
 */
import type { IsoMessage } from '@iso8583/codec';
import { panOf } from './cards.js';

/** The duplicate keys of one request or advice. */
export interface DuplicateKeys {
  /** What an original sent again is matched by. */
  original: string;
  /** What a repeat is matched by (field 7 left out). */
  repeat: string;
  /** Field 7, the transmission date and time (MMDDhhmmss), when given. */
  transmission: string | undefined;
}

function field(fields: IsoMessage, number: string): string | undefined {
  const value = fields[number];
  return typeof value === 'string' ? value : undefined;
}

/** One part of a key: its length, then itself (`-` when absent), so that no two lists of parts make the same key. */
function part(value: string | undefined): string {
  return value === undefined ? '-' : `${value.length}:${value}`;
}

/** The keys of a request or advice `mti` with these fields. */
export function duplicateKeys(mti: string, fields: IsoMessage): DuplicateKeys {
  const base = mti.slice(0, 3) + part(field(fields, '11')) + part(field(fields, '41')) + part(field(fields, '32')) +
    part(panOf(fields)) + part(field(fields, '4'));
  const transmission = field(fields, '7');
  if (mti[0] === '1') {
    const key = base + part(field(fields, '12'));
    return { original: key, repeat: key, transmission };
  }
  return {
    original: base + part(transmission),
    repeat: base + part(field(fields, '13')) + part(field(fields, '12')),
    transmission,
  };
}

/** Days before each month in a leap year (field 7 has no year: 29 February is a valid MMDD). */
const DAYS_BEFORE = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335];

/** Seconds in a leap year, the length of the circle field 7 goes round. */
const YEAR = 366 * 86400;

/** Field 7 (MMDDhhmmss) as seconds since 1 January 00:00:00 of its (leap) year; `undefined` when not such a time. */
function secondsOfYear(mmddhhmmss: string): number | undefined {
  if (!/^\d{10}$/.test(mmddhhmmss)) return undefined;
  const n = (at: number) => Number(mmddhhmmss.slice(at, at + 2));
  const month = n(0);
  if (month < 1 || month > 12 || n(2) < 1) return undefined;
  return (DAYS_BEFORE[month - 1]! + n(2) - 1) * 86400 + n(4) * 3600 + n(6) * 60 + n(8);
}

/**
 * True when field 7 `later` (MMDDhhmmss) is after field 7 `earlier`. Field 7 has no year, so the two are taken as
 * the nearer way round the year: 0101000005 is after 1231235958 (7 seconds later, the year turned over), and
 * 1231235958 is not after 0101000005. Either one not a valid MMDDhhmmss: compared as text.
 */
export function sentLater(later: string, earlier: string): boolean {
  const a = secondsOfYear(later);
  const b = secondsOfYear(earlier);
  if (a === undefined || b === undefined) return later > earlier;
  const ahead = (((a - b) % YEAR) + YEAR) % YEAR;
  return ahead !== 0 && ahead < YEAR / 2;
}

/** True for a repeat (origin digit 1: x101, x201, x121, x221). */
export function isRepeat(mti: string): boolean {
  return mti[3] === '1';
}
