/**
 * What a reversal says was actually done, in either edition. ISO 8583:1987: field 95 (replacement amounts, an 42)
 * starts with the actual transaction amount (n 12), field 4 keeps the original's amount; an actual amount of 0 (or
 * no field 95) is a full reversal. ISO 8583:1993: field 24 (function code) says which, 400 full reversal and 401
 * partial reversal; a partial one carries the amount actually done in field 4 (amount, transaction) and the
 * original's in the first 12 digits of field 30 (amounts, original, n 24: original amount, transaction, then
 * original amount, reconciliation). Field 95 is card issuer reference data under 1993, and field 4 of a 400 is not
 * read: the function code says the reversal is full.
 */

/** Field 24 of a 1993 partial reversal (the amount actually done in field 4). */
export const FUNCTION_CODE_PARTIAL_REVERSAL = '401';

/** A partial reversal: the transaction now stands at `actual`. */
export interface PartialReversal {
  /** The amount actually done (minor units, more than 0). */
  actual: number;
  /**
   * The original amount the reversal states: field 4 of a 1987 reversal, the first 12 digits of field 30 of a 1993
   * one; `undefined` when not given.
   */
  original: number | undefined;
}

/**
 * Reads a reversal's amounts: `undefined` for a full reversal, the partial reversal, or `null` when the amounts are
 * malformed (a field 95 that does not start with 12 digits; a 1993 401 without a numeric field 4, or with a field 30
 * that does not start with 12 digits).
 */
export function readReversalAmounts(fields: Readonly<Record<string, unknown>>, v1993: boolean): PartialReversal | undefined | null {
  const digits = (field: string, width?: number): number | undefined | null => {
    const value = fields[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return null;
    const pattern = width === undefined ? /^\d+$/ : new RegExp(`^\\d{${width}}`);
    return pattern.test(value) ? Number(width === undefined ? value : value.slice(0, width)) : null;
  };
  let actual: number | undefined | null;
  let original: number | undefined | null;
  if (v1993) {
    if (fields['24'] !== FUNCTION_CODE_PARTIAL_REVERSAL) return undefined;
    actual = digits('4');
    if (actual === undefined) return null;
    original = digits('30', 12);
  } else {
    actual = digits('95', 12);
    // Field 4 of a 1987 reversal is the original's amount; one that is not digits states nothing to check against.
    original = digits('4') ?? undefined;
  }
  if (actual === null || original === null) return null;
  if (actual === undefined || actual === 0) return undefined;
  return { actual, original };
}

/**
 * The original's amount a reversal states, to tell its original from another transaction under the same STAN: field
 * 4 (1987, and a 1993 400), the first 12 digits of field 30 of a 1993 401 (field 4 there is the amount actually done);
 * `undefined` when the reversal states none in digits.
 */
export function statedOriginalAmount(fields: Readonly<Record<string, unknown>>, v1993: boolean): number | undefined {
  const inField30 = v1993 && fields['24'] === FUNCTION_CODE_PARTIAL_REVERSAL;
  const value = fields[inField30 ? '30' : '4'];
  if (typeof value !== 'string') return undefined;
  const digits = inField30 ? value.slice(0, 12) : value;
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
}
