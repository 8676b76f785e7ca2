/**
 * The edition of ISO 8583 a dialect speaks (`Dialect.version`), and the MTIs that differ by edition. The first MTI
 * digit is the version: 0 for 1987, 1 for 1993. Network management is 0800 in 1987 (what it asks for in field 70)
 * and 1804 in 1993 (a request from "other", what it asks for in field 24, the function code); a reversal names its
 * original in field 90 (1987) or field 56 (1993).
 */
import type { Dialect, DialectVersion } from '../types.js';

/** The edition of a dialect: its `version`, `1987` when absent. */
export function dialectVersion(dialect: Pick<Dialect, 'version'>): DialectVersion {
  return dialect.version ?? '1987';
}

/** The MTI version digit of an edition: `0` for 1987, `1` for 1993. */
export function mtiVersionDigit(version: DialectVersion): string {
  return version === '1993' ? '1' : '0';
}

/** `mti` (four digits, any version) with the version digit of `version`: `inVersion('0420', '1993')` is `1420`. */
export function inVersion(mti: string, version: DialectVersion): string {
  return mtiVersionDigit(version) + mti.slice(1);
}

/** The network management request MTI of an edition: `0800` (1987) or `1804` (1993). */
export function networkManagementMti(version: DialectVersion): string {
  return version === '1993' ? '1804' : '0800';
}

/** The field that carries a reversal's original data elements: `90` (1987) or `56` (1993). */
export function originalDataElementsField(version: DialectVersion): string {
  return version === '1993' ? '56' : '90';
}

/**
 * The message functions (third MTI digit) of each edition's known message classes, by its version digit: 0-5 under
 * 1987, 0-8 under 1993.
 */
const FUNCTIONS_BY_VERSION_DIGIT: ReadonlyMap<string, string> = new Map([
  [mtiVersionDigit('1987'), '012345'],
  [mtiVersionDigit('1993'), '012345678'],
]);

/**
 * The MTI of a message as a metric label and a `byMti` key, read by its own digits whatever the dialect's edition (a
 * 1987 dialect that carries a 1993 reversal, `1420`, counts it as `1420`): an MTI of a known message class of its own
 * version digit's edition (`0` 1987 or `1` 1993; class 1-8: authorisation, financial, file action, reversal,
 * reconciliation, administrative, fee collection, network management; function 0-5, 0-8 under 1993; origin 0-5) as it
 * is, `invalid` as it is, any other `other` (another version digit, `2003`'s `2` included, a class or function out of
 * range, not four digits). A client may send any four digits: the series a connector or an endpoint keeps stay bounded
 * (at most 720 MTIs, 288 of 1987 and 432 of 1993, then `other` and `invalid`).
 *
 * @param mti the MTI as read or written (any string)
 */
export function mtiLabel(mti: string): string {
  if (mti === 'invalid') return mti;
  const functions = mti.length === 4 ? FUNCTIONS_BY_VERSION_DIGIT.get(mti[0] as string) : undefined;
  const known = functions !== undefined && '12345678'.includes(mti[1] as string) && functions.includes(mti[2] as string) && '012345'.includes(mti[3] as string);
  return known ? mti : 'other';
}

/**
 * A response code (field 39) as a metric label and a `byResponseCode` key: 1 to 3 letters or digits as it is, any
 * other value `invalid` (a host or a sequence may put anything there, even card data; the series stay bounded), and
 * `absent` when there is none (`undefined` or `null`).
 */
export function responseCodeLabel(rc: unknown, absent: string): string {
  if (rc === undefined || rc === null) return absent;
  const text = typeof rc === 'string' ? rc : String(rc);
  return /^[0-9A-Za-z]{1,3}$/.test(text) ? text : 'invalid';
}
