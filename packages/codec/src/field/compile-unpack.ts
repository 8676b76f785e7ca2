/**
 * The compiled unpacker of a message shape (one bitmap, `shapes.ts`): JavaScript source generated for the fields
 * that bitmap marks, with their lengths, prefix sizes and character classes inlined, which cuts every value from the
 * message's Latin-1 text and returns the message as one object literal (every key in place from the start).
 *
 * - ASCII text fields (fixed, or behind 1-3 ASCII length digits) and fixed hex-character fields are read inline;
 *   neighbouring fixed fields share one bounds check, and neighbouring fields of one character class one loop over
 *   the bytes (the length digits between them are digits too).
 * - Any other field is read by the interpreter's reader of its kind, after the fields before it are checked.
 * - On any problem the compiled code returns `undefined` and the caller reads the fields again with the
 *   interpreter, which throws the coded error naming the field and offset: the errors stay exactly the same.
 *
 * A shape is compiled only after it has been read a few times (`unpack.ts`), so a peer sending ever new bitmaps costs
 * no compilation. The source is made from the dialect only (field numbers, lengths, prefix sizes and class masks,
 * integers checked by `dialectProblems`), never from message bytes: there is nothing a message can inject. Lenient
 * mode uses the interpreter.
 */
import type { IsoMessage } from '../types.js';
import type { FieldPlan } from './plan.js';
import type { Reader } from './reader.js';
import { ENC_HEX, KIND_ASCII_TEXT } from './plan.js';
import { CLASS, DIGITS } from './charset.js';
import { MAX_RUNS, UPPER_HEX_CLASS, classCheck } from './class-check.js';
import { JS_CHECK_DONE, jsCheckStart, jsRunCheck, notDigits } from './js-run-check.js';

/**
 * Reads the fields of one shape from `offset`; `undefined` when the interpreter must read them (a problem). `text` is
 * the Latin-1 text of `r.buf`: a reader of a whole message is handed it before `r.text` is set (`codec.ts`), which
 * it sets only before a field that the interpreter reads.
 */
export type CompiledUnpack = (r: Reader, offset: number, limit: number, mti: string | undefined, text: string) => IsoMessage | undefined;

/**
 * Where a reader of a whole message starts ({@link compileUnpack}): the offset of its ASCII MTI (the dialect's header
 * length) and the bitmaps as they travelled (`Shape.wire`, 4 bytes a word, the first byte the most significant).
 */
export interface MessageHead {
  /** The offset of the MTI, 4 ASCII digits. */
  at: number;
  /** The bytes of the bitmaps right after the MTI, as words. */
  wire: Int32Array;
}

/** The interpreter's reader of one field (it throws the coded error of a bad value). */
export type ReadOne = (r: Reader, plan: FieldPlan, offset: number, limit: number, lenient: boolean) => string | IsoMessage;

/** A field read inline: ASCII text, fixed or behind 1-3 ASCII length digits, or fixed ASCII hex characters. */
function isInline(plan: FieldPlan): boolean {
  if (plan.composite !== undefined || plan.amount) return false;
  if (plan.kind === KIND_ASCII_TEXT) return plan.fixed || (plan.asciiDigits && plan.pfxDigits <= 3);
  return plan.enc === ENC_HEX && plan.fixed;
}

/** The most bytes a field read inline takes (its length digits included). */
function mostBytes(plan: FieldPlan): number {
  return plan.fixed ? plan.fixedWire : plan.pfxDigits + Math.min(plan.length, 10 ** plan.pfxDigits - 1);
}

/** How a compiled reader checks the characters of the runs of bytes it cuts (one per compiled reader). */
interface RunChecks {
  /** Declarations, first in the reader (it returns when it cannot check). */
  start: string;
  /** The check of the run `rs .. off` of class `cls` (or its noting down, for {@link done}). */
  run(cls: number): string;
  /** A `DataView` of the message's bytes from its first, up to where the reader's end expression says (after start). */
  view: string;
  /** Returns unless every run so far is right (before a field read by the interpreter, which may throw). */
  done(): string;
  /** The end of the reader: returns unless every run so far is right; nothing of the message stays staged. */
  end(): string;
}

/**
 * In WebAssembly (`class-check.ts`): each run noted down in the module's memory (`W`, three 32-bit words a run at
 * places fixed when the reader is compiled), all checked by one call (`CK`), which wipes the message too at the end.
 */
function wasmChecks(end: string): RunChecks {
  let count = 0;
  const flush = (): string => {
    const code = count === 0 ? '' : `if (CK(${count}, 0) !== 0) return;\n`;
    count = 0;
    return code;
  };
  return {
    start: `if (!r.staged(${end})) return;\n`,
    view: 'V',
    run: (cls) => {
      const at = 3 * count++;
      const code = `W[${at}] = rs; W[${at + 1}] = off; W[${at + 2}] = ${cls};\n`;
      return count === MAX_RUNS ? code + flush() : code;
    },
    done: flush,
    end: () => {
      const code = `d = CK(${count}, r.staging); r.staging = 0; if (d !== 0) return;\n`;
      count = 0;
      return code;
    },
  };
}

/** In JavaScript (`js-run-check.ts`), each run as soon as it is cut. */
function jsChecks(end: string): RunChecks {
  return { start: jsCheckStart(end), view: 'dv', run: jsRunCheck, done: () => JS_CHECK_DONE, end: () => JS_CHECK_DONE };
}

/**
 * Compiles the reader of the fields `plans` (one shape, in ascending order), or returns `undefined` when no field
 * of it is read inline (the interpreter is as fast then) or code generation from strings is not allowed.
 *
 * With `head`, the reader of a whole message of that shape: its `offset` and `mti` are not used; it checks the MTI
 * (4 digits at `head.at`) and that the bitmaps after it are the bytes `head.wire` itself (one 4-byte load and compare
 * a word, from the copy of the message the character check makes anyway), then reads the fields after them. It
 * returns `undefined` too when the message is of another shape: the caller then reads it the general way.
 */
export function compileUnpack(plans: readonly FieldPlan[], readOne: ReadOne, head?: MessageHead): CompiledUnpack | undefined {
  if (!plans.some(isInline)) return undefined;
  const check = classCheck();
  // The bytes the checks copy: up to where the message ends at the most, when every field is read inline (bytes
  // after the message are not copied), else up to the limit.
  const most = plans.every(isInline) ? plans.reduce((sum, p) => sum + mostBytes(p), 0) : -1;
  const end = most < 0 ? 'limit' : `off + ${most} < limit ? off + ${most} : limit`;
  const checks = check !== null ? wasmChecks(end) : jsChecks(end);
  let body = '';
  /** The class of the open run of bytes to check, or -1. */
  let runClass = -1;
  /** True when a run was checked (or noted down) since the last {@link RunChecks.done}. */
  let pending = false;
  /** Bytes of the fixed fields from here whose bounds are already checked. */
  let checked = 0;
  const close = (): void => {
    if (runClass >= 0) {
      body += checks.run(runClass);
      pending = true;
    }
    runClass = -1;
  };
  const open = (cls: number): void => {
    if (runClass === cls) return;
    close();
    body += 'rs = off;\n';
    runClass = cls;
  };
  const done = (): void => {
    close();
    if (pending) body += checks.done();
    pending = false;
  };
  const keys: string[] = [];
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i]!;
    const num = plan.num;
    keys.push(`${num}: v${num}`);
    if (!isInline(plan)) {
      // The interpreter throws on a bad value: the fields before it are checked first (as it would have).
      done();
      checked = 0;
      body += `r.text = text; v${num} = RD(r, P[${i}], off, limit, false); off = r.pos;\n`;
      continue;
    }
    // Hex characters already in upper case are cut as they are; lower case ones go the interpreter's way.
    const cls = plan.enc === ENC_HEX ? UPPER_HEX_CLASS : plan.mask;
    if (plan.fixed) {
      const size = plan.fixedWire;
      if (checked < size) {
        // One bounds check for this field and the fixed fields right after it.
        let group = 0;
        for (let j = i; j < plans.length && isInline(plans[j]!) && plans[j]!.fixed; j++) {
          const p = plans[j]!;
          group += p.fixedWire;
        }
        body += `if (off + ${group} > limit) return;\n`;
        checked = group;
      }
      checked -= size;
      open(cls);
      body += `v${num} = text.substr(off, ${size}); off += ${size};\n`;
      continue;
    }
    checked = 0;
    const digits = plan.pfxDigits;
    const max = Math.min(plan.length, 10 ** digits - 1);
    // The length digits join the run when the class allows digits; they are checked as they are read anyway.
    if ((cls & DIGITS) !== 0) open(cls);
    else close();
    body += `if (off + ${digits} > limit) return;\n` + lengthDigits(digits, checks.view);
    body += `off += ${digits}; if (n > ${max} || off + n > limit) return;\n`;
    open(cls);
    body += `v${num} = text.substr(off, n); off += n;\n`;
  }
  close();
  body += checks.end();
  // Where the fields are dense enough, the keys from the highest down: V8 builds the literal's elements as a
  // dictionary first and makes them a plain store of exactly the slots up to the highest field once the dictionary
  // would not save half the space (56 slots for a message with field 55, where ascending keys left 100 from growing
  // the store field by field). A dictionary of n keys has more than n entries of 3 words, so 6 (n - 1) >= highest + 1
  // makes sure it turns plain before the last key; sparser messages keep ascending keys (descending ones would leave
  // them a dictionary, slower to read). Keys are array indices: the message lists them in ascending order either way.
  const highest = plans.length === 0 ? 0 : plans[plans.length - 1]!.num;
  const literal = (6 * (plans.length - 1) >= highest + 1 ? keys.reverse() : keys).join(', ');
  const declare = plans.map((p) => `v${p.num}`).join(', ');
  const wire = head === undefined ? [] : Array.from(head.wire);
  const source =
    `'use strict';\n` +
    `return function unpackCompiled(r, off, limit, mti, text) {\n` +
    `const buf = r.buf;\n` +
    (head === undefined ? '' : headStart(head.at, wire.length)) +
    checks.start +
    `let rs = off, n = 0, d = 0, ${declare};\n` +
    (head === undefined ? '' : headCheck(head.at, wire.length, checks.view)) +
    body +
    `r.pos = off;\n` +
    `return mti === undefined ? { ${literal} } : { ${literal}, 0: mti };\n` +
    `};\n`;
  // The source holds only numbers taken from the dialect (see the file comment). Where code generation is off
  // (`--disallow-code-generation-from-strings`, a policy of the embedder) the interpreter reads every shape.
  let factory: (...args: unknown[]) => CompiledUnpack;
  try {
    factory = new Function('P', 'RD', 'C', 'W', 'CK', 'V', ...wire.map((_, i) => `B${i}`), source) as (...args: unknown[]) => CompiledUnpack;
  } catch {
    return undefined;
  }
  return factory(plans, readOne, CLASS, check?.runs, check?.check, check?.view, ...wire);
}

/**
 * Reads the `digits` (1-3) ASCII length digits at `off` into `n`, or returns when one is not a digit: the digits are
 * loaded at once through `view` (the `DataView` of the copied message) into the low bytes of a word whose other bytes
 * are the digit `0`, and the word checked as 4 digits (fewer loads and branches than a byte at a time).
 */
function lengthDigits(digits: number, view: string): string {
  const zeros = `0x${'30'.repeat(4 - digits)}${'00'.repeat(digits)}`;
  const load = digits === 1 ? `${view}.getUint8(off)` : digits === 2 ? `${view}.getUint16(off)` : `${view}.getUint16(off) << 8 | ${view}.getUint8(off + 2)`;
  const value = digits === 1 ? 'd & 15' : digits === 2 ? '(d >> 8 & 15) * 10 + (d & 15)' : '(d >> 16 & 15) * 100 + (d >> 8 & 15) * 10 + (d & 15)';
  return `d = ${zeros} | ${load}; if (${notDigits('d')} !== 0) return;\nn = ${value};\n`;
}

/**
 * The start of a whole message's reader: the offset after its MTI and `words` words of bitmaps, which must fit. The
 * MTI and the bitmaps are looked at once the bytes are copied (`headCheck`).
 */
function headStart(at: number, words: number): string {
  return `off = ${at + 4 + 4 * words};\nif (off > limit) return;\nmti = text.substr(${at}, 4);\n`;
}

/**
 * The MTI's 4 digits and the bitmaps' words (the arguments `B0`, `B1` ... of the reader's factory: numbers, never
 * source text) looked at through `view`, a `DataView` of the copied message.
 */
function headCheck(at: number, words: number, view: string): string {
  let code = `n = ${view}.getInt32(${at}, true); if (${notDigits('n')} !== 0) return;\n`;
  for (let i = 0; i < words; i++) code += `if (${view}.getInt32(${at + 4 + 4 * i}) !== B${i}) return;\n`;
  return code;
}
