/**
 * `collectProblems` (`field/validate.ts`, the problems of a pack's slow path and of `validate`) names only a
 * message's own enumerable keys, as every other path does (`field/own-fields.ts`), also when it is called with the
 * message itself rather than with the copy of its own keys that `validate` makes: an inherited key is never
 * reported, and never read as a field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '../src/index.js';
import type { FieldProblem } from '../src/index.js';
import type { MessageInput } from '../src/types.js';
import type { Layout } from '../src/field/compile.js';
import { collectProblems } from '../src/field/validate.js';
import { Writer } from '../src/field/writer.js';

/** The problems `collectProblems` finds in `msg` for the iso87ascii layout, called directly. */
function problemsOf(msg: MessageInput): FieldProblem[] {
  const codec = createCodec('iso87ascii');
  const layout = (codec as unknown as { layout: Layout }).layout;
  const problems: FieldProblem[] = [];
  collectProblems(layout, msg, false, problems, new Writer(256));
  return problems;
}

const OWN = { '0': '0200', '3': '000000', '4': '000000001000', '11': '000001' };

test('collectProblems – an inherited key outside the dialect is not reported', () => {
  const msg = Object.assign(Object.create({ '2x': 'a', '200': '1' }) as MessageInput, OWN);
  assert.deepEqual(problemsOf(msg), []);
});

test('collectProblems – an inherited field with a bad value is not read as a field', () => {
  const msg = Object.assign(Object.create({ '5': 'not digits' }) as MessageInput, OWN);
  assert.deepEqual(problemsOf(msg), []);
});

test('collectProblems – the same keys as own keys are reported, by name', () => {
  const fields = problemsOf({ ...OWN, '2x': 'a', '4': 'not digits' }).map((p) => p.field);
  assert.deepEqual(fields.sort(), ['2x', '4']);
});
