/**
 * Approval: which response codes (field 39) mean "approved" is a property of the dialect (`approvalCodes`), not the
 * string `00`: SmartVista hosts answer `000` in a 3-digit field 39. Every part that decides "approved" (stats,
 * sign-on, the host simulator, the gateway) asks here.
 */
import type { Dialect } from './types.js';

/** The approval codes of a dialect that names none: ISO 8583:1987's `00` (approved or completed successfully). */
export const DEFAULT_APPROVAL_CODES: readonly string[] = Object.freeze(['00']);

/** The response codes that mean approved under `dialect` (its `approvalCodes`, default `["00"]`). */
export function approvalCodesOf(dialect: Pick<Dialect, 'approvalCodes'>): readonly string[] {
  const codes = dialect.approvalCodes;
  return codes !== undefined && codes.length > 0 ? codes : DEFAULT_APPROVAL_CODES;
}

/**
 * Whether a response code (field 39 as decoded: a string) means approved under `dialect`. Anything else (absent, a
 * number, another code) is not an approval.
 */
export function isApproved(dialect: Pick<Dialect, 'approvalCodes'>, responseCode: unknown): boolean {
  return typeof responseCode === 'string' && approvalCodesOf(dialect).includes(responseCode);
}

/** The code a party answering under `dialect` approves with: the first of its approval codes. */
export function approvalCode(dialect: Pick<Dialect, 'approvalCodes'>): string {
  return approvalCodesOf(dialect)[0]!;
}
