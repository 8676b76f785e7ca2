/**
 * How deep a dialect's composite fields may nest: as deep as the message views read and write them
 * ({@link MAX_COMPOSITE_DEPTH}; `toJson`, `toXml`, `fromJson` and `fromXml` refuse a message nested deeper, so such a
 * dialect could pack what no view shows). Checked without recursion before any other check walks the dialect: a
 * dialect nested 2,000 deep made the schema validator throw a RangeError with no code.
 */
import type { FieldProblem } from '../errors.js';
import { MAX_COMPOSITE_DEPTH } from '../views/xml-shape.js';
import { dialectInvalid } from './check.js';

/**
 * The first composite nested deeper than {@link MAX_COMPOSITE_DEPTH} under `fields` (a dialect's or a dialect
 * document's `fields`, at `path`), as an `ISO8583_ERR_DIALECT_INVALID` problem naming its path
 * (`fields.127.subfields.fields.2...`); empty when none is. Anything that is not an object is left to the other
 * checks.
 */
export function deepCompositeProblems(fields: unknown, path = 'fields'): FieldProblem[] {
  // Each entry: a `fields` object, its path, and how many composites hold it (0: the dialect's own fields).
  const pending: [unknown, string, number][] = [[fields, path, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [within, at, depth] = next;
    if (within === null || typeof within !== 'object') continue;
    for (const [key, spec] of Object.entries(within)) {
      const subfields: unknown = spec !== null && typeof spec === 'object' ? (spec as { subfields?: unknown }).subfields : undefined;
      if (subfields === null || typeof subfields !== 'object') continue;
      const field = `${at}.${key}`;
      if (depth + 1 > MAX_COMPOSITE_DEPTH) {
        const reason = `composite fields nest deeper than ${MAX_COMPOSITE_DEPTH} levels (the JSON and XML views read and write at most ${MAX_COMPOSITE_DEPTH})`;
        return [{ field, code: 'ISO8583_ERR_DIALECT_INVALID', reason }];
      }
      pending.push([(subfields as { fields?: unknown }).fields, `${field}.subfields.fields`, depth + 1]);
    }
  }
  return [];
}

/**
 * Throws `ISO8583_ERR_DIALECT_INVALID` naming the first composite of the dialect document `doc` nested deeper than
 * {@link MAX_COMPOSITE_DEPTH} ({@link deepCompositeProblems}), before the schema walks it; anything else is left to
 * the schema.
 */
export function refuseDeepComposites(doc: unknown): void {
  const fields = doc !== null && typeof doc === 'object' ? (doc as { fields?: unknown }).fields : undefined;
  const problems = deepCompositeProblems(fields);
  if (problems.length > 0) throw dialectInvalid(problems);
}
