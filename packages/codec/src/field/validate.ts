/**
 * Every problem of the fields of a message input, all at once (the slow path of pack, and `validate`): unknown or
 * malformed keys, values that cannot be sent, composite fields' sub-fields, a composite's header. A key from the
 * input is cut to 6 characters in what is reported: it could be anything, card data included.
 */
import type { MessageInput } from '../types.js';
import type { FieldProblem } from '../errors.js';
import type { Layout } from './compile.js';
import type { Writer } from './writer.js';
import { COMPOSITE_HEADER_KEY } from './compile.js';
import { fieldNumber } from './writer.js';
import { ownFields } from './own-fields.js';
import { prepareValue } from './prepare.js';
import { absentPositional, lastPositional, prepareComposite } from './composite.js';
import { isHex } from '../encoding/hex-digits.js';

/**
 * Appends to `problems` every problem of the fields of `given` in `layout`; `w` is the writer values are tried with.
 * Only its own enumerable keys are fields (`own-fields.ts`): they are read from a copy of them, whoever calls (this
 * is no hot path), so an inherited key is neither named nor read, here or by a composite's or positional reads.
 */
export function collectProblems(layout: Layout, given: MessageInput, lenient: boolean, problems: FieldProblem[], w: Writer): void {
  const noted = w.problem;
  const msg = ownFields(layout, given);
  for (const key of Object.keys(msg)) {
    const v = msg[key];
    if (v === undefined || v === null) continue;
    const num = fieldNumber(key);
    if (!layout.composite && (num === 0 || num === 1)) continue;
    if (layout.composite && key === COMPOSITE_HEADER_KEY) {
      if (layout.headerLength === 0) {
        problems.push({ field: layout.path + key, code: 'ISO8583_ERR_FIELD_UNKNOWN', reason: 'this field has no header' });
      } else if (typeof v !== 'string' || !isHex(v) || v.length !== 2 * layout.headerLength) {
        problems.push({
          field: layout.path + key,
          code: 'ISO8583_ERR_HEADER',
          reason: `not ${layout.headerLength} bytes of hex`,
        });
      }
      continue;
    }
    const id = layout.path + (key.length > 6 ? `${key.slice(0, 6)}...` : key);
    if (num < 0 || (!layout.composite && (num > layout.maxField || (num === 65 && layout.tertiary && !layout.tertiaryField65)))) {
      problems.push({ field: id, code: 'ISO8583_ERR_FIELD_ID', reason: 'not a field number of this dialect' });
      continue;
    }
    const plan = layout.plans[num];
    if (plan === undefined) {
      problems.push({ field: id, code: 'ISO8583_ERR_FIELD_UNKNOWN', reason: 'a field that the dialect does not define' });
      continue;
    }
    if (plan.composite !== undefined) {
      if (typeof v !== 'object') {
        problems.push({ field: id, code: 'ISO8583_ERR_FIELD_VALUE', reason: 'a composite field takes an object of sub-fields' });
        continue;
      }
      const before = problems.length;
      collectProblems(plan.composite as Layout, v, lenient, problems, w.child());
      if (problems.length === before && prepareComposite(plan, v, lenient, w) === undefined) {
        problems.push({ field: id, code: noted.code, reason: noted.reason });
      }
      continue;
    }
    if (prepareValue(plan, v, lenient, noted) === undefined) {
      problems.push({ field: id, code: noted.code, reason: noted.reason });
    }
  }
  if (layout.positional) {
    const last = lastPositional(layout, msg);
    for (const plan of layout.order) {
      if (plan.num > last) break;
      const v = msg[plan.key];
      if ((v === undefined || v === null) && absentPositional(plan, lenient, w) === undefined) {
        problems.push({ field: plan.id, code: noted.code, reason: noted.reason });
      }
    }
  }
}
