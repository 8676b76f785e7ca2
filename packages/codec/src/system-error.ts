/**
 * System errors: the response codes (field 39) with which a host says it could not process a message at all (it is
 * down, or its link to the issuer is), not what it decided. A reversal or an advice answered with one has not been
 * applied, so the store-and-forward queue keeps it and repeats it (SocketQueue's `isSystemFaulty`: its SmartVista
 * auto-reversal is repeated on one). Which codes they are is a property of the dialect (`systemErrorCodes`).
 */
import type { Dialect } from './types.js';
import { dialectVersion } from './dialect/version.js';
import { carriesActionCodes, speaksResponseCodes1987, speaksThreeCharacterCodes } from './action-code.js';

/**
 * ISO 8583:1987's system errors: `68` response received too late (the issuer's answer did not come in time: whether
 * the message was applied is unknown; 1993's `911`, and the gateway's own answer when the bank did not answer), `91`
 * issuer or switch inoperative, `96` system malfunction (the codes card schemes ask an acquirer to repeat a reversal
 * on). Other codes of the `9x` range (`92` no routing, `94` duplicate) would answer the repeat alike, and are left out.
 */
const SYSTEM_ERRORS_1987: readonly string[] = Object.freeze(['68', '91', '96']);

/** The same, written in 3 digits, for a 1987 dialect whose field 39 has 3 fixed characters. */
const SYSTEM_ERRORS_1987_3: readonly string[] = Object.freeze(['068', '091', '096']);

/**
 * ISO 8583:1993's system errors (action codes): `907` card issuer or switch inoperative, `909` system malfunction,
 * `910` card issuer signed off, `911` card issuer timed out, `912` card issuer unavailable.
 */
const SYSTEM_ERRORS_1993: readonly string[] = Object.freeze(['907', '909', '910', '911', '912']);

/** 1993's, then 1987's in 3 digits: a 1993 dialect whose field 39 has 3 fixed characters (`068` answers a 0400). */
const SYSTEM_ERRORS_1993_AND_1987_3: readonly string[] = Object.freeze([...SYSTEM_ERRORS_1993, ...SYSTEM_ERRORS_1987_3]);
/** 1993's, then 1987's: a 1993 dialect whose field 39 is of another width (a variable one). */
const SYSTEM_ERRORS_1993_AND_1987: readonly string[] = Object.freeze([...SYSTEM_ERRORS_1993, ...SYSTEM_ERRORS_1987]);
/** 1987's in 3 digits, then 1993's: a 1987 dialect whose field 39 has 3 fixed characters (`911` answers a 1420). */
const SYSTEM_ERRORS_1987_3_AND_1993: readonly string[] = Object.freeze([...SYSTEM_ERRORS_1987_3, ...SYSTEM_ERRORS_1993]);
/** 1987's, then 1993's: a 1987 dialect whose field 39 is of another width (a variable one). */
const SYSTEM_ERRORS_1987_AND_1993: readonly string[] = Object.freeze([...SYSTEM_ERRORS_1987, ...SYSTEM_ERRORS_1993]);

/** What system errors ask of a dialect: its `systemErrorCodes`, else its edition and field 39's width. */
export type SystemErrorDialect = Pick<Dialect, 'systemErrorCodes'> & Partial<Pick<Dialect, 'version' | 'fields'>>;

/**
 * The system-error response codes of `dialect` in the answer to a message of MTI `mti` (a request or its answer: the
 * version digit is the same): its `systemErrorCodes` (`[]`: none), whatever the MTI; default by the codes that answer
 * carries: only 1987 `68`, `91` and `96` for a dialect whose field 39 keeps the 1987 codes' 2 characters
 * (`speaksResponseCodes1987`); else by the MTI (`carriesActionCodes`, the rule `responseCodeIn` writes by): 1993 `907`,
 * `909`, `910`, `911`, `912` for a 1xxx MTI (where `091` is an approval-class action code, never a system error), 1987
 * `068`, `091`, `096` for any other (in 3 digits where field 39 has 3 fixed characters: `speaksThreeCharacterCodes`;
 * else `68`, `91`, `96`). Without `mti`: both editions' lists, the dialect's edition first (what a dialect's answers may
 * carry as a whole: a list to show, not one to judge an answer by). The built-in `smartvista` has SocketQueue's `005`,
 * `120`, `902`, `903`, `907`, `910`, `912`, and `909`, `911`.
 */
export function systemErrorCodesOf(dialect: SystemErrorDialect, mti?: string): readonly string[] {
  if (dialect.systemErrorCodes !== undefined) return dialect.systemErrorCodes;
  const fields = dialect.fields;
  if (fields !== undefined && speaksResponseCodes1987({ fields })) return SYSTEM_ERRORS_1987;
  const three = speaksThreeCharacterCodes(dialect);
  if (mti !== undefined) {
    if (carriesActionCodes(mti)) return SYSTEM_ERRORS_1993;
    return three ? SYSTEM_ERRORS_1987_3 : SYSTEM_ERRORS_1987;
  }
  if (dialectVersion(dialect) === '1993') return three ? SYSTEM_ERRORS_1993_AND_1987_3 : SYSTEM_ERRORS_1993_AND_1987;
  return three ? SYSTEM_ERRORS_1987_3_AND_1993 : SYSTEM_ERRORS_1987_AND_1993;
}

/**
 * Whether a response code (field 39 as decoded: a string) in the answer to a message of MTI `mti` is one of the
 * dialect's system errors ({@link systemErrorCodesOf}). Give the MTI whenever an answer is judged: without it, both
 * editions' codes count, and a 1993 answer's `091` (approval class) would read as 1987's `91`.
 */
export function isSystemError(dialect: SystemErrorDialect, responseCode: unknown, mti?: string): boolean {
  return typeof responseCode === 'string' && systemErrorCodesOf(dialect, mti).includes(responseCode);
}
