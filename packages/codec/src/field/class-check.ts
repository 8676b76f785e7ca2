/**
 * The character check of the compiled unpacker in WebAssembly (`wasm/class-check.wat`, made bytes at build time):
 * a compiled reader copies the message into the memory of a small module (the copy the JavaScript check makes too),
 * notes there each run of bytes it cuts with its character class, and checks them all with one call, which wipes the
 * message too: 16 bytes a step with SIMD instructions, every class by the same code (two 16-byte tables per
 * class, looked up by low and by high nibble: `writeTable`).
 *
 * Where WebAssembly or its SIMD instructions are missing (`node --jitless`, `--no-expose-wasm`, an embedder's
 * policy) {@link wasmChecks} is false and compiled readers check in JavaScript (`js-run-check.ts`).
 *
 * Card data: the message bytes are copied into the module's memory for the check and wiped by the call that checks
 * them, or when the decode ends (`Reader.reset`) where a compiled read gave up or threw before that call; the rest of
 * the memory holds the class tables and the runs' offsets only.
 */
import { CLASS_CHECK_WASM } from '../generated/class-check-wasm.js';
import { CLASS, isUpperHexCode } from './charset.js';

/** Where the class tables start (table N at `32 * N`: 16 bytes by low nibble, 16 bytes by high nibble). */
const TABLES_AT = 0;
/** Where the runs start: (start, end, class) triples of 32-bit words. */
const RUNS_AT = 4096;
/** Where the message bytes start. */
const MESSAGE_AT = 8192;

/** The most runs one call checks (the triples between {@link RUNS_AT} and {@link MESSAGE_AT}). */
export const MAX_RUNS = 341;

/** The class number of hex digits in upper case (0-9, A-F); the numbers 0-63 are the masks of `charset.ts`. */
export const UPPER_HEX_CLASS = 64;

/** The longest message a check takes (the module's memory is fixed: 2 pages). */
export const MAX_CHECKED = 65536;

/** The part of the WebAssembly API used here (the Node type definitions do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: WasmExports };
}

/** What the module exports. */
interface WasmExports {
  memory: { buffer: ArrayBuffer };
  check: (count: number, wipe: number) => number;
}

/** The instance of the process, made on first use; `null` where it cannot run. */
let shared: ClassCheck | null | undefined;
/** The instance of the compiled packers (ASCII classes), made on first use; `null` where it cannot run. */
let packShared: ClassCheck | null | undefined;

/** An instance of the module whose tables take ASCII only when `asciiOnly`, or `null` where it cannot run. */
function instance(asciiOnly: boolean): ClassCheck | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    const bytes = Buffer.from(CLASS_CHECK_WASM, 'base64');
    // A runtime without SIMD does not validate the module.
    if (wasm.validate(bytes)) return new ClassCheck(new wasm.Instance(new wasm.Module(bytes)).exports, asciiOnly);
  } catch {
    // No instance: the JavaScript checks.
  }
  return null;
}

/** The instance of the process, or `null` where WebAssembly or its SIMD instructions are missing. */
export function classCheck(): ClassCheck | null {
  if (shared === undefined) shared = instance(false);
  return shared;
}

/**
 * The instance of the compiled packers (`compile-pack.ts`), or `null` where WebAssembly or its SIMD instructions
 * are missing: a memory of its own (a pack never writes over an unpack's runs), whose tables take ASCII only, as
 * pack's checks do (a class with printable characters takes no Latin-1 above ASCII there).
 */
export function packClassCheck(): ClassCheck | null {
  if (packShared === undefined) packShared = instance(true);
  return packShared;
}

/** True when compiled readers check characters with the module (decided once per process). */
export function wasmChecks(): boolean {
  return classCheck() !== null;
}

/**
 * The module's instance: one per process, its memory holding the message of the decode in progress (decodes are
 * synchronous, and a compiled read never runs another compiled read: it calls only the interpreter's readers, and
 * composite layouts are not compiled). The runs a compiled reader notes down are checked before it calls anything
 * (only its own straight-line code runs between a run's noting and its check), so no other read can write over
 * them. Were one read to run inside another all the same, the inner one's wipe would leave zeros under the outer
 * one's later runs, which no class allows: the outer read would be refused and read again by the interpreter, never
 * accepted on bytes not its own.
 */
export class ClassCheck {
  /** The memory from where the message bytes go ({@link MAX_CHECKED} of them, and the 16 bytes after). */
  readonly message: Uint8Array;
  /** {@link message} as a `DataView` (a compiled reader of a whole message reads its MTI and bitmaps through it). */
  readonly view: DataView;
  /** The whole memory (to look at in tests: nothing of a message stays in it). */
  readonly memory: Uint8Array;
  /**
   * The runs to check, from word 0: a compiled reader writes run N as `start, end, class` at words `3N .. 3N + 2`
   * (offsets of the message; a class number of {@link run}).
   */
  readonly runs: Int32Array;
  /**
   * Checks the first `count` runs of {@link runs} (at most {@link MAX_RUNS}), then writes zeros over the first `wipe`
   * bytes of {@link message}: 0 when every byte of every run is in its class, else 1.
   */
  readonly check: (count: number, wipe: number) => number;

  /** @param asciiOnly tables that take no byte above ASCII (pack's classes); default false (unpack's). */
  constructor(exports: WasmExports, asciiOnly = false) {
    const memory = exports.memory.buffer;
    this.memory = new Uint8Array(memory);
    this.message = new Uint8Array(memory, MESSAGE_AT);
    this.view = new DataView(memory, MESSAGE_AT);
    this.runs = new Int32Array(memory, RUNS_AT, 3 * MAX_RUNS);
    this.check = exports.check;
    for (let mask = 0; mask < 64; mask++) writeTable(this.memory, mask, (c) => (CLASS[c]! & mask) !== 0 && (!asciiOnly || c < 0x80));
    writeTable(this.memory, UPPER_HEX_CLASS, isUpperHexCode);
  }

  /**
   * Checks the message bytes `start .. end` against class `cls` (a mask of `charset.ts`, or {@link UPPER_HEX_CLASS}):
   * 0 when every byte is in it, else non-zero. One run by {@link check}, nothing wiped (for tests).
   */
  run(start: number, end: number, cls: number): number {
    this.runs[0] = start;
    this.runs[1] = end;
    this.runs[2] = cls;
    return this.check(1, 0);
  }
}

/**
 * Writes the table of class `cls` (the bytes `inClass` says are in it): byte `c` is in the class when the byte of
 * its low nibble (`lo[c & 15]`) and the byte of its high nibble (`hi[c >> 4]`) have a bit in common. Each distinct
 * set of low nibbles that a high nibble allows takes one bit (the high nibble's byte), which the low nibbles in the
 * set carry: at most 8 such sets. The classes of `charset.ts` have at most 7 (high nibbles 2-7, and A-F alike).
 */
function writeTable(memory: Uint8Array, cls: number, inClass: (c: number) => boolean): void {
  const lo = TABLES_AT + 32 * cls;
  const hi = lo + 16;
  const sets: number[] = [];
  for (let h = 0; h < 16; h++) {
    let set = 0;
    for (let l = 0; l < 16; l++) if (inClass((h << 4) | l)) set |= 1 << l;
    if (set === 0) continue;
    let bit = sets.indexOf(set);
    if (bit < 0) bit = sets.push(set) - 1;
    if (bit > 7) throw new Error(`class ${cls} has more than 8 sets of low nibbles`);
    memory[hi + h] = 1 << bit;
    for (let l = 0; l < 16; l++) if ((set & (1 << l)) !== 0) memory[lo + l]! |= 1 << bit;
  }
}
