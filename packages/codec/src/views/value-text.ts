import type { FieldProblem } from '../errors.js';
import { numberDigits } from '../field/prepare.js';
import type { Problem } from '../field/prepare.js';

/**
 * The text a view (XML, JSON) writes for a field value: a string as it is, a number or bigint as the digits pack
 * would write (`numberDigits`), or `undefined` with a problem named after `field` for one pack refuses (2^53 or more, a
 * fraction, negative, not a number): `String` of such a number loses digits or writes text pack would read as another
 * value (`12345678901234567890` as `12345678901234567000`).
 */
export function valueText(value: string | number | bigint, field: string, problems: FieldProblem[]): string | undefined {
  if (typeof value === 'string') return value;
  const problem: Problem = { code: 'ISO8583_ERR_FIELD_VALUE', reason: '' };
  const digits = numberDigits(value, problem);
  if (digits === undefined) problems.push({ field, code: problem.code, reason: problem.reason });
  return digits;
}
