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
