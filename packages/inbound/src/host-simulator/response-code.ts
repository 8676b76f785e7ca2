/**
 * The simulator's response codes in its dialect's terms: it decides with ISO 8583:1987's two-character codes, and
 * answers in the width of the dialect's field 39. An approval becomes the dialect's approval code (`000` for
 * smartvista); any other code of a numeric 3-digit field 39 gets a leading zero (`51` -> `051`).
 */
import { approvalCode } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';

/** What the simulator needs of a dialect: field 39, the approval codes and the edition. */
export type ResponseCodeDialect = Pick<Dialect, 'fields' | 'approvalCodes' | 'version'>;

/** The 1987 code `code` as the dialect writes it (unchanged without a dialect). */
export function inDialect(code: string, dialect: ResponseCodeDialect | undefined): string {
  if (dialect === undefined) return code;
  if (code === '00') return approvalCode(dialect);
  const f39 = dialect.fields['39'];
  if (f39 === undefined || f39.prefix !== undefined || f39.length <= code.length || !/^\d+$/.test(code)) return code;
  return code.padStart(f39.length, '0');
}
