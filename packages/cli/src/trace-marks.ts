/**
 * The traces' masks by the marks of the other dialects a message crosses (trace.ts `alsoMaskedBy`): a field the
 * terminals' dialect marks as CVV is hidden on the bank's side too, whose dialect calls it free text. What a message's
 * own dialect marks, `describe()` masks; this masks, before it, what the others mark beyond that.
 */
import { isSubfieldObject, maskValue, sensitiveFields } from '@iso8583/codec';
import type { Dialect, IsoMessage, Sensitivity } from '@iso8583/codec';

/** A field's path (`48`, `127.2`) and how another dialect marks it. */
export type Mark = readonly [path: readonly string[], sensitivity: Sensitivity];

/** The marks of `others` that `own` (a message's dialect) does not give the same: what is masked besides its own. */
export function marksBeyond(own: Dialect, others: readonly Dialect[]): Mark[] {
  const mine = sensitiveFields(own);
  const marks: Mark[] = [];
  for (const other of others) {
    for (const [path, sensitivity] of sensitiveFields(other)) if (mine.get(path) !== sensitivity) marks.push([path.split('.'), sensitivity]);
  }
  return marks;
}

/**
 * `m` with the value at `path` masked as `sensitivity` says (a copy of each level it changes). A value that is not
 * text (sub-fields the other dialect does not mark, another object) is hidden whole, as is a flat value that holds the
 * marked sub-field among its bytes. Only an object of sub-fields as the codec's masks walk into one
 * (`isSubfieldObject`: a plain object) is walked into: a typed array, an array or a boxed string holds its value
 * element by element (a PAN's bytes `52`, `49`, ...), which a copy would show as sub-fields.
 */
function maskAt(m: IsoMessage, path: readonly string[], sensitivity: Sensitivity): IsoMessage {
  const [id, ...rest] = path;
  if (id === undefined || !Object.hasOwn(m, id)) return m;
  const value: unknown = m[id];
  if (value === undefined || value === null) return m;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    return { ...m, [id]: rest.length === 0 ? maskValue(text, sensitivity) : '*'.repeat(text.length) };
  }
  if (rest.length > 0 && isSubfieldObject(value)) return { ...m, [id]: maskAt(value, rest, sensitivity) };
  return { ...m, [id]: '[hidden]' };
}

/** `m` with every field of `marks` masked as its mark says. */
export function maskByMarks(m: IsoMessage, marks: readonly Mark[]): IsoMessage {
  return marks.reduce((out, [path, sensitivity]) => maskAt(out, path, sensitivity), m);
}
