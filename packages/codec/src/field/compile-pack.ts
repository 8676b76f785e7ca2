/**
 * The compiled packer of a plan (one set of keys, `pack-shapes.ts`): JavaScript source generated for the fields of
 * the plan, which copies the ASCII text fields natively and checks them afterwards, on the bytes.
 *
 * - Neighbouring ASCII text fields (fixed, or behind 1-3 ASCII length digits) are joined into one string with their
 *   length digits and written by one native Latin-1 write (one byte a character); then a pattern must find no
 *   character above U+00FF in it, or the packer refuses and zeroes what it wrote (`BEYOND_LATIN1`: a Latin-1 write
 *   cuts such a character to its low byte, U+0131 to the digit `1`, which no check of the bytes could tell). The
 *   bytes are then checked against each field's class: those checks are the guard for the rest (any byte 0x80 or
 *   more, Latin-1 above ASCII, fails every one of them). A UTF-8 write bounded past the string's length, which shows such characters by its count, measured about
 *   10% of a whole pack dearer (callgrind: 880 of 9,900 instructions a pack of the purchase).
 * - The checks: where the WebAssembly module of `class-check.ts` runs, each run of neighbouring fields of one class is
 *   noted down (start, end, class), and at the end what was written is copied into the memory of the module's pack
 *   instance (tables of ASCII only) and every run checked there by one call, 16 bytes a step, which wipes the copy.
 *   A plan whose text cannot reach `MODULE_FROM` bytes, a runtime without the module and a plan of more runs than
 *   the module takes check each run in JavaScript instead, 4 bytes at a time.
 *   The module measured 1,586 -> about 1,080 instructions a pack of the purchase with field 55 (302 bytes: the copy's
 *   view 200, the copy 211, the module 634, the call and the runs' notes). The copy's view is the Buffer the codec
 *   hands out when the message starts where the packer did (`Writer.packed`): 129 fewer (perf52).
 * - Any other field (BCD, binary, hex, an amount, another prefix) is written by the interpreter's `writeValue`.
 * - Anything the compiled code does not write as it is (a value to pad, a length over the maximum, a character
 *   outside its class or outside ASCII, a problem of another field) makes it hand over: the interpreter then packs
 *   the message from the start and reports any problem, so codes and words never change.
 *   What it wrote is zeroed before it hands over, so nothing of a refused message stays past the writer's `used`
 *   but what the interpreter leaves (it stops at the bad field).
 *
 * The source is made from the dialect only (field numbers, lengths, prefix sizes, class masks, bitmap bytes), never
 * from message data: there is nothing a message can inject. Lenient mode uses the interpreter.
 */
import type { MessageInput } from '../types.js';
import type { FieldPlan } from './plan.js';
import type { Writer } from './writer.js';
import { BufferView } from './writer.js';
import { WRITE_ASCII_FIXED, WRITE_ASCII_VAR } from './plan.js';
import { CLASS, DIGITS, DIGIT_FIRST, DIGIT_LAST, PRINTABLE, PRINTABLE_ASCII_LAST, PRINTABLE_FIRST } from './charset.js';
import { NOT_DIGIT_BYTE, fourTimes, outsideSource } from './char-source.js';
import { decimalPrefixStrings } from '../prefix/decimal-chars.js';
import { BEYOND_LATIN1, latin1Write } from '../encoding/ascii.js';
import { MAX_CHECKED, MAX_RUNS, packClassCheck } from './class-check.js';

/**
 * Packs `mti` (an MTI already checked, as ASCII digits; or `""` when the caller writes the MTI) at `at`, the plan's
 * bitmap after it and its fields after that; returns the offset after the last field, -2 when a key of the plan is
 * missing or its value is not a string or not the next of `V` (`Object.values(m)`, the plan's fields from `first`:
 * not this set of own keys), -3 when the interpreter must pack it.
 */
export type CompiledPack = (m: MessageInput, w: Writer, at: number, mti: string, V: readonly unknown[]) => number;

/** The interpreter's writer of one value (`fast-write.ts`): the offset after it, or -1 on a problem. */
export type WriteOne = (w: Writer, off: number, plan: FieldPlan, s: string, lenient: boolean) => number;

/** The most length digits of a field written inline (their strings are kept in tables of 10^digits entries). */
const INLINE_DIGITS = 3;

/**
 * The most fields of a plan written by the interpreter's `writeValue` from compiled code: with more (BCD and binary
 * dialects, where few fields are ASCII text) the compiled code measured slower than the plan's own loop.
 */
const MAX_CALLED = 2;

/**
 * A refusal after the compiled code has written: what it wrote (from `at` to `top`, past the writer's `used`) is
 * zeroed, so that no field of card data stays in the shared buffer past the field the interpreter stops at.
 */
const REFUSE = '{ w.buf.fill(0, at, top); return -3; }';

/**
 * The fewest bytes the text of a plan must be able to reach (its MTI, bitmap and inline fields at their longest) for
 * the WebAssembly module to check its runs: the module's copy and call cost about 900 instructions whatever the
 * size, then about 0.6 a byte, against about 5.4 a byte for the JavaScript word checks (callgrind: the module was 506
 * instructions cheaper for the purchase with field 55, 302 bytes, and 80 dearer for the purchase without it, whose
 * plan reaches 175 bytes at most).
 */
const MODULE_FROM = 192;

/** The most bytes the inline fields of `plans` (with `bitmapBytes` and a 4-byte MTI) can take. */
function longestText(plans: readonly FieldPlan[], bitmapBytes: number): number {
  let n = 4 + bitmapBytes;
  for (const p of plans) if (isInline(p)) n += p.fixed ? p.length : p.pfxDigits + Math.min(p.length, p.pfxMax);
  return n;
}

/** False until code generation from strings has been refused once (then no plan tries it again). */
let noCodegen = false;


/** A field written inline: ASCII text, fixed or behind 1-3 ASCII length digits. */
function isInline(plan: FieldPlan): boolean {
  if (plan.writer === WRITE_ASCII_FIXED) return true;
  return plan.writer === WRITE_ASCII_VAR && plan.asciiDigits && plan.pfxDigits <= INLINE_DIGITS;
}

/** The word of the 4 bytes at `i` (little-endian), from the writer's view of its buffer. */
const WORD = (at: string): string => `x = dv.getInt32(${at}, true);`;

// Pack's checks accept ASCII only (a byte 0x80 or more is part of a character outside ASCII, whatever the count
// of the write said). With every byte under 0x80, adding a constant to the word carries into no other byte, so each
// byte's top bit says on which side of a bound it is; a byte 0x80 or more sets its own top bit in `x`.
/**
 * Source of a value that is non-zero unless the 4 bytes of `x` are all in `first`-`last` (ASCII): a byte over
 * `last` reaches 0x80 when `0x80 - (last + 1)` is added, a byte from `first` on when `0x80 - first` is.
 */
function notInRange(first: number, last: number): string {
  return `((x | (x + ${fourTimes(0x80 - (last + 1))}) | ~(x + ${fourTimes(0x80 - first)})) & 0x80808080)`;
}

/** Non-zero unless the 4 bytes of `x` are all digits (`charset.ts`). */
const NOT_DIGITS = notInRange(DIGIT_FIRST, DIGIT_LAST);
/** Non-zero unless the 4 bytes of `x` are all printable ASCII (`charset.ts`; Latin-1 above it is not ASCII). */
const NOT_PRINTABLE = notInRange(PRINTABLE_FIRST, PRINTABLE_ASCII_LAST);

/** Runs of a length known when compiling up to this many bytes have their words checked unrolled (no loop, no branch). */
const UNROLLED_RUN = 64;

/**
 * The check of the bytes from `rs` to `off` against `mask`: leaves `bad` non-zero, or returns -3. `length`: the run's
 * length when every field of it is fixed (known when compiling), else undefined (read at run time, `off - rs`).
 */
function runCheck(mask: number, length: number | undefined): string {
  const byteTest =
    mask === DIGITS
      ? NOT_DIGIT_BYTE
      : mask === PRINTABLE
        ? outsideSource(PRINTABLE_FIRST, PRINTABLE_ASCII_LAST)
        : `c > 127 || (C[c] & ${mask}) === 0`;
  let each: string;
  if (mask === DIGITS) each = `bad |= ${NOT_DIGITS};`;
  else if (mask === PRINTABLE) each = `bad |= ${NOT_PRINTABLE};`;
  else if ((mask & DIGITS) !== 0) {
    // Four digits at once; the bytes of any other word by the table.
    const byte = (b: string): string => `(C[${b}] & ${mask}) === 0`;
    each = `if (${NOT_DIGITS} !== 0 && ((x & 0x80808080) !== 0 || ${byte('x & 255')} || ${byte('x >> 8 & 255')} || ${byte('x >> 16 & 255')} || ${byte('x >>> 24')})) ${REFUSE}`;
  } else {
    return `for (i = rs; i < off; i++) { const c = buf[i]; if (${byteTest}) ${REFUSE} }\n`;
  }
  // A fixed run of 4 bytes or more: its words one by one, the last 4 bytes as a word when the run is not a multiple
  // of 4 (some checked twice), with no loop nor test of the length at run time.
  if (length !== undefined && length >= 4 && length <= UNROLLED_RUN) {
    let words = '';
    for (let k = 0; k + 4 <= length; k += 4) words += `${WORD(`rs + ${k}`)} ${each} `;
    if (length % 4 !== 0) words += `${WORD(`rs + ${length - 4}`)} ${each} `;
    return `${words}\n`;
  }
  // Words from `rs`, 8 bytes a turn, and the last 4 bytes as a word (again, when the run is not a multiple of 4); a
  // run under 4 bytes byte by byte.
  return (
    `if (off - rs >= 4) { for (i = rs; i + 8 <= off; i += 8) { ${WORD('i')} ${each} ${WORD('i + 4')} ${each} } ` +
    `if (i + 4 <= off) { ${WORD('i')} ${each} i += 4; } ` +
    `if (i < off) { ${WORD('off - 4')} ${each} } } ` +
    `else for (i = rs; i < off; i++) { const c = buf[i]; if (${byteTest}) ${REFUSE} }\n`
  );
}

/**
 * Compiles the packer of the fields `plans` (one set of keys, ascending) behind the bitmap `bitmap` (as it travels),
 * or returns `undefined` when more than {@link MAX_CALLED} of its fields (or all) are not written inline, or code
 * generation from strings is not allowed. `wasmWanted`: the runs are checked by the WebAssembly module of
 * `class-check.ts` (default true: where the module runs, the plan's text can reach `MODULE_FROM` bytes and it has at
 * most the module's `MAX_RUNS` runs), else by the JavaScript word checks.
 */
export function compilePack(
  plans: readonly FieldPlan[],
  bitmap: Uint8Array,
  writeOne: WriteOne,
  first: number,
  wasmWanted = true,
): CompiledPack | undefined {
  const wasm = wasmWanted && longestText(plans, bitmap.length) >= MODULE_FROM && packClassCheck() !== null;
  const called = plans.filter((p) => !isInline(p)).length;
  if (latin1Write === undefined || called === plans.length || called > MAX_CALLED) return undefined;
  let body = '';
  // Every value read once and made sure of (a string each: else not this set of keys).
  body += plans.map((p) => `const v${p.num} = m[${p.num}];`).join(' ') + '\n';
  body += `if (${plans.map((p) => `typeof v${p.num} !== 'string'`).join(' || ')}) return -2;\n`;
  body += `if (${plans.map((p, i) => `v${p.num} !== V[${first + i}]`).join(' || ')}) return -2;\n`;
  // Inline values that fit as they are: the exact fixed length, or within the maximum of a length prefix.
  for (const plan of plans) {
    if (!isInline(plan)) continue;
    const v = `v${plan.num}`;
    if (plan.fixed) body += `if (${v}.length !== ${plan.length}) return -3;\n`;
    else body += `const n${plan.num} = ${v}.length; if (n${plan.num} > ${Math.min(plan.length, plan.pfxMax)}) return -3;\n`;
  }
  body += `const ml = mti.length;\n`;
  body += `let buf = w.buf, dv = w.view, off = at + ml + ${bitmap.length}, rs = 0, i = 0, x = 0, bad = 0, need = 0, top = at, s = '';\n`;
  body += `if (off > buf.length) { w.ensure(off); buf = w.buf; dv = w.view; }\n`;
  // A bitmap of ASCII bytes (hex) starts the first string written, after the MTI; any other is written byte by byte.
  const bitmapText = bitmap.every((b) => b < 0x80) && isInline(plans[0]!) ? JSON.stringify(Buffer.from(bitmap).toString('latin1')) : '';
  let start = '';
  if (bitmapText === '') {
    body += `for (i = 0; i < ml; i++) buf[at + i] = mti.charCodeAt(i);\n`;
    for (let i = 0; i < bitmap.length; i++) body += `buf[at + ml + ${i}] = ${bitmap[i]!};`;
    body += '\n';
  } else {
    body += `off = at;\n`;
    start = bitmapText;
  }
  /** Runs noted for the module so far. */
  let runs = 0;
  let i = 0;
  while (i < plans.length) {
    const plan = plans[i]!;
    if (!isInline(plan)) {
      body += `off = WV(w, off, P[${i}], v${plan.num}, false); if (off < 0) ${REFUSE} buf = w.buf; dv = w.view; if (off > top) top = off;\n`;
      i++;
      continue;
    }
    // A segment: the inline fields from here, joined into one string and written natively in one call. (The joined
    // string is a short-lived copy of values the caller's message holds anyway; writing fields of card data apart
    // was measured at about 1.5x the time of a whole pack, five native calls instead of one.)
    let j = i;
    let fixed = 0;
    const lengths: string[] = [];
    const terms: string[] = [];
    if (start !== '') {
      // The MTI and the bitmap: written with the first fields, checked by no run (the caller checked the MTI, the
      // bitmap is made here).
      terms.push('mti', start);
      fixed += bitmap.length;
      lengths.push('ml');
    }
    for (; j < plans.length && isInline(plans[j]!); j++) {
      const p = plans[j]!;
      if (p.fixed) fixed += p.length;
      else {
        fixed += p.pfxDigits;
        terms.push(`P${p.pfxDigits}[n${p.num}]`);
        lengths.push(`n${p.num}`);
      }
      terms.push(`v${p.num}`);
    }
    const size = [String(fixed), ...lengths].join(' + ');
    body += `need = ${size}; if (off + need > buf.length) { const old = buf; w.ensure(off + need); buf = w.buf; dv = w.view; if (old !== buf) old.fill(0, at, off); }\n`;
    // One byte a character (the count is a guard), then no character above U+00FF (see the file comment: a refusal
    // zeroes what the write cut). The write flattens the joined string first (V8 does it in place), so the pattern
    // then runs on V8's fast path: on a joined string not yet flat a pattern test goes through the runtime (about
    // 800 instructions, callgrind). Flattening by a `charCodeAt` before the pattern and the write cost about 125
    // instructions more a pack (the call into the runtime on a string not yet flat).
    body += `s = ${terms.join(' + ')}; top = off + need; if (L1.call(buf, s, off, need) !== need || RE.test(s)) ${REFUSE}\n`;
    // The runs of one class over the bytes just written (length digits join a run whose class has digits).
    if (start !== '') {
      body += `off += ml + ${bitmap.length};\n`;
      start = '';
    }
    let runMask = -1;
    /** The current run's length while every field of it is fixed. */
    let runLength: number | undefined = 0;
    const close = (): void => {
      if (runMask >= 0 && wasm) {
        // Noted for the module, which checks every run at the end (offsets from `at`, the copy's start).
        body += `R[${3 * runs}] = rs - at; R[${3 * runs + 1}] = off - at; R[${3 * runs + 2}] = ${runMask};\n`;
        runs++;
      } else if (runMask >= 0) body += runCheck(runMask, runLength);
      runMask = -1;
    };
    for (let k = i; k < j; k++) {
      const p = plans[k]!;
      if (!p.fixed) {
        if ((p.mask & DIGITS) !== 0 && runMask === p.mask) body += `off += ${p.pfxDigits};\n`;
        else {
          close();
          body += `off += ${p.pfxDigits};\n`;
        }
      }
      if (runMask !== p.mask) {
        close();
        body += 'rs = off;\n';
        runMask = p.mask;
        runLength = 0;
      }
      runLength = p.fixed && runLength !== undefined ? runLength + p.length : undefined;
      body += `off += ${p.fixed ? p.length : `n${p.num}`};\n`;
    }
    close();
    i = j;
  }
  if (wasm && runs > MAX_RUNS) return compilePack(plans, bitmap, writeOne, first, false);
  if (wasm) {
    // What was written, from `at`, copied into the module's memory and checked there with one call, which wipes the
    // copy (card data) whatever it finds. Between the runs' noting and this call only this packer's own writing runs
    // (a called field's writer, `WV`, included): the values were read at the top and a composite is no plan here, so
    // no other pack can enter the module's pack instance meanwhile.
    body += `if (off - at > ${MAX_CHECKED}) ${REFUSE}\n`;
    // The copy's source is the view the codec hands out as the message (`Writer.packed`), made once.
    body += `const out = new BV(w.ab, w.abOffset + at, off - at); CM.set(out); if (CK.check(${runs}, off - at) !== 0) ${REFUSE}\nw.packed = out; return off;\n`;
  } else body += `if (bad !== 0) ${REFUSE}\nreturn off;\n`;
  const digits = new Set(plans.filter((p) => isInline(p) && !p.fixed).map((p) => p.pfxDigits));
  const tables = [...digits].map((d) => `const P${d} = PREFIX(${d});`).join(' ');
  const source = `'use strict';\n${tables}\nreturn function packCompiled(m, w, at, mti, V) {\n${body}};\n`;
  // The source holds only numbers taken from the dialect (see the file comment). Where code generation is off
  // (`--disallow-code-generation-from-strings`, a policy of the embedder) the interpreter packs every plan.
  if (noCodegen) return undefined;
  let factory: (...args: unknown[]) => CompiledPack;
  try {
    factory = new Function('P', 'WV', 'C', 'L1', 'RE', 'PREFIX', 'CK', 'CM', 'R', 'BV', source) as (...args: unknown[]) => CompiledPack;
  } catch {
    noCodegen = true;
    return undefined;
  }
  const ck = wasm ? packClassCheck() : null;
  return factory(
    plans,
    writeOne,
    CLASS,
    latin1Write,
    BEYOND_LATIN1,
    decimalPrefixStrings,
    ck,
    ck?.message,
    ck?.runs,
    BufferView,
  );
}
