/**
 * The compiled packer of a message layout: JavaScript source generated once per dialect (as fast-json-stringify does
 * for JSON), with every field's number, lengths and character class inlined as constants, so that packing a message
 * is one straight pass over its field numbers with no per-field dispatch. Its contract is the one of `packFields`
 * (`pack.ts`): the offset after the fields, -1 on the first problem (the caller then collects them all on the slow
 * path), -2 when the message has keys that are not fields of the layout; the bitmap bits go into the writer.
 *
 * How it is fast:
 * - ASCII text fields (fixed, or behind ASCII length digits) are appended to one Latin-1 string, written by one
 *   native call at the end; their length digits come from a table of strings.
 * - Their characters are checked afterwards over the bytes written, one loop per run of neighbouring fields of the
 *   same class (`class-runs.ts`); long values are checked by their type's pattern. Characters above U+00FF (which a
 *   Latin-1 write would cut to one byte) are refused by one pattern over the whole text.
 * - The number of keys (to refuse unknown ones) is taken once, and the pass stops at the last key found.
 * - Every other field (numbers for values, padding, BCD, binary, EBCDIC, composites) is handed to the interpreter's
 *   writer (`fast-write.ts`, `prepare.ts`) after the text so far is written out: same checks, same bytes.
 *
 * The generated source is made from the dialect only (field numbers, lengths, prefix sizes and class masks, all
 * integers checked by `dialectProblems` and written out as numbers), never from message values: there is nothing
 * a message can inject. Lenient mode and layouts this does not cover use the interpreter.
 */
import type { MessageInput } from '../types.js';
import type { FieldPlan } from './plan.js';
import type { Layout } from './compile.js';
import type { Writer } from './writer.js';
import { ENC_ASCII, ENC_HEX, KIND_ASCII_TEXT } from './plan.js';
import { DIGITS, HEX_MASK, typePattern } from './charset.js';
import { checkRuns } from './class-runs.js';
import { writeValue } from './fast-write.js';
import { prepareValue } from './prepare.js';
import { prepareComposite } from './composite.js';
import { maxWireSize, writeField } from './write.js';

/** Packs the fields of a message (see the file comment for the contract). */
export type CompiledPack = (msg: MessageInput, w: Writer, base: number) => number;

/** Node's internal Latin-1 write (present on every Buffer; not in the type definitions). */
const latin1Write = (Buffer.prototype as unknown as { latin1Write?: (s: string, offset: number) => number }).latin1Write;

/** Values longer than this are checked by their type's pattern (one native call) rather than in a run. */
const LONG_CHECK = 32;

/** Length digits of 1, 2 and 3 digits as strings, by value. */
const PREFIXES: readonly (readonly string[])[] = [1, 2, 3].map((d) =>
  Array.from({ length: 10 ** d }, (_, n) => String(n).padStart(d, '0')),
);

/** Any character above U+00FF. */
const NON_LATIN1 = /[^\x00-\xff]/;

/** Writes the pending text `t` at `at`; false when it has a character that Latin-1 cannot carry. */
function flush(w: Writer, t: string, at: number): boolean {
  if (NON_LATIN1.test(t)) return false;
  w.ensure(at + t.length + 8);
  latin1Write!.call(w.buf, t, at);
  return true;
}

/** Any value of any field the compiled code does not write itself: the interpreter's fast-path writer. */
function other(w: Writer, off: number, plan: FieldPlan, v: unknown): number {
  if (typeof v === 'string' && plan.composite === undefined) return writeValue(w, off, plan, v, false);
  const s = plan.composite === undefined ? prepareValue(plan, v, false, w.problem) : prepareComposite(plan, v, false, w);
  if (s === undefined) return -1;
  w.ensure(off + maxWireSize(s));
  return writeField(w.buf, off, plan, s);
}

/** An ASCII text field that the compiled code writes itself: fixed, or behind 1-3 ASCII length digits. */
function isInlineText(plan: FieldPlan): boolean {
  if (plan.composite !== undefined || plan.amount) return false;
  if (plan.kind === KIND_ASCII_TEXT) return plan.fixed || (plan.asciiDigits && plan.pfxDigits <= 3);
  // Binary values sent as ASCII hex characters, fixed length: the value is written as it is (raised to upper case).
  return plan.enc === ENC_HEX && plan.fixed;
}

/** The statements that note the run of `mask` over [from, to) (source text; `from`, `to` expressions). */
function noteRun(mask: number, from: string, to: string): string {
  return (
    `if (rn > 0 && re[rn - 1] === ${from} && rm[rn - 1] === ${mask}) re[rn - 1] = ${to}; ` +
    `else { rs[rn] = ${from}; re[rn] = ${to}; rm[rn] = ${mask}; rn++; }`
  );
}

/** The source of one inline text field (the value is in `v`). */
function textSource(plan: FieldPlan, patterns: RegExp[]): string {
  const mask = plan.enc === ENC_HEX ? HEX_MASK : plan.mask;
  // The check of a long value by its pattern (hex values stay in runs: they may need raising to upper case).
  let check = noteRun(mask, 'o', 'o + n');
  if (mask !== HEX_MASK) {
    patterns.push(typePattern(mask));
    check = `if (n > ${LONG_CHECK}) { if (!R[${patterns.length - 1}].test(v)) return -1; } else { ${check} }`;
  }
  if (plan.fixed) {
    const chars = plan.enc === ENC_HEX ? 2 * plan.length : plan.length;
    return `if (typeof v === 'string' && (n = v.length) === ${chars}) { ${check} t += v; o += n; }`;
  }
  const digits = plan.pfxDigits;
  const max = Math.min(plan.length, 10 ** digits - 1);
  // The length digits join a run of digits when the value's class allows digits.
  const prefixRun = (mask & DIGITS) !== 0 ? `${noteRun(mask, 'o', `o + ${digits}`)} ` : '';
  return (
    `if (typeof v === 'string' && (n = v.length) <= ${max}) { ${prefixRun}t += L${digits}[n]; o += ${digits}; ` +
    `${check} t += v; o += n; }`
  );
}

/** The source of one field: presence, the value written, its bit, and the count of keys found. */
function fieldSource(plan: FieldPlan, patterns: RegExp[]): string {
  const num = plan.num;
  const bit = num - 1;
  const word = `b${bit >> 5}`;
  const mask = (0x80000000 >>> (bit & 31)) | 0;
  const fallback =
    `{ if (t !== '' && !flush(w, t, ts)) return -1; t = ''; ` +
    `o = other(w, o, P[${num}], v); if (o < 0) return -1; ts = o; }`;
  const write = isInlineText(plan) ? `${textSource(plan, patterns)} else ${fallback}` : fallback;
  return (
    `v = msg[${num}];\n` +
    `if (v !== undefined) {\n` +
    `  if (v !== null) { ${write} ${word} |= ${mask}; last = ${num}; }\n` +
    `  if (++found === total) break fields;\n` +
    `}\n`
  );
}

/**
 * Compiles the packer of a message layout, or returns `undefined` when this layout is packed by the interpreter
 * (a composite's contents, a positional layout, or a Node without the native Latin-1 write).
 */
export function compilePack(layout: Layout): CompiledPack | undefined {
  if (layout.composite || layout.positional || latin1Write === undefined) return undefined;
  const words = layout.tertiary ? 6 : 4;
  const patterns: RegExp[] = [];
  let body = '';
  for (const plan of layout.order) body += fieldSource(plan, patterns);
  const declare = Array.from({ length: words }, (_, i) => `b${i} = 0`).join(', ');
  let bits = '';
  for (let i = 0; i < words; i++) {
    for (let j = 0; j < 4; j++) bits += `bits[${4 * i + j}] = b${i} >>> ${24 - 8 * j}; `;
  }
  const source =
    `'use strict';\n` +
    `return function packCompiled(msg, w, base) {\n` +
    `const total = Object.values(msg).length;\n` +
    `let found = 0;\n` +
    `if (msg[0] !== undefined) found++;\n` +
    `if (msg[1] !== undefined) found++;\n` +
    `const runs = w.runs, rs = runs.start, re = runs.end, rm = runs.mask;\n` +
    `let rn = 0, o = base, ts = base, t = '', last = 0, v, n, ${declare};\n` +
    `fields: {\n` +
    `if (found >= total) break fields;\n` +
    body +
    `}\n` +
    `if (found !== total) return -2;\n` +
    `if (t !== '' && !flush(w, t, ts)) return -1;\n` +
    `if (rn > 0 && !checkRuns(w.buf, runs, rn)) return -1;\n` +
    `const bits = w.bits; ${bits}\n` +
    `w.maxId = last;\n` +
    `return o;\n` +
    `};\n`;
  // The source holds only numbers taken from the dialect (see the file comment).
  const factory = new Function('P', 'R', 'L1', 'L2', 'L3', 'flush', 'other', 'checkRuns', source) as (
    ...args: unknown[]
  ) => CompiledPack;
  return factory(layout.plans, patterns, PREFIXES[0], PREFIXES[1], PREFIXES[2], flush, other, checkRuns);
}
