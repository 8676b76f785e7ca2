/**
 * An error's `code` fit for a log line, a metric label or an error text. The codes of these packages and of Node
 * (`ISO8583_ERR_...`, `ECONNRESET`) and of PostgreSQL (`23505`) are names; but the `code` of an error thrown by user
 * code (a sequence, a route's target) is whatever it set, card data included (`'DECLINED_' + track2`), and it is
 * copied into logs and answers as it is. A code is kept only when it is shaped like a name: 1 to 64 letters, digits,
 * `_`, `.` or `-`, with fewer than 12 digits in all (so no PAN of 12 to 19 digits nor a track can pass, whatever
 * separates its digits) and no run of digits that could be a shorter PAN (8 to 11 digits that pass the Luhn check,
 * ISO/IEC 7812-1:2017: the free-text rule of `maskDigitRuns`). Any other string is replaced by {@link CODE_WITHHELD}.
 */
import { hasPanShapedRun } from './digit-runs.js';

/** What replaces an error code that is not shaped like one (see {@link safeErrorCode}). */
export const CODE_WITHHELD = 'ERR_CODE_WITHHELD';

/** Letters, digits, `_`, `.` and `-`, 1 to 64 of them. */
const CODE_SHAPE = /^[A-Za-z0-9_.-]{1,64}$/;

/** Digits a code may hold in all, at most: one fewer than the run that is masked whatever its check digit. */
const MAX_CODE_DIGITS = 11;

/** True when `code` is shaped like a code (see {@link safeErrorCode}): it can be shown as it is. */
export function isCodeShaped(code: string): boolean {
  if (!CODE_SHAPE.test(code)) return false;
  let digits = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39 && ++digits > MAX_CODE_DIGITS) return false;
  }
  return !hasPanShapedRun(code);
}

/**
 * The `code` of `err` as a log may show it: the code when it is a string shaped like a code ({@link isCodeShaped}),
 * {@link CODE_WITHHELD} for any other string, `undefined` when `err` has no string `code` (or reading it throws).
 * Never throws.
 */
export function safeErrorCode(err: unknown): string | undefined {
  if (err === null || (typeof err !== 'object' && typeof err !== 'function')) return undefined;
  let code: unknown;
  try {
    code = (err as { code?: unknown }).code;
  } catch {
    return undefined;
  }
  if (typeof code !== 'string') return undefined;
  return isCodeShaped(code) ? code : CODE_WITHHELD;
}
