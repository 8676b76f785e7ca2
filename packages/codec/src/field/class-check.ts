/**
 * The character check of the compiled unpacker in WebAssembly (`wasm/class-check.wat`, made bytes at build time):
 * a compiled reader writes the runs of bytes it cut, each with its character class, into the memory of a small
 * module, and one call checks them all, 16 bytes a step with SIMD instructions (measured about 4 times as fast as
 * the 4-at-a-time JavaScript check it replaces, call included, on a purchase of 300 bytes).
 *
 * Where WebAssembly or its SIMD instructions are missing (`node --jitless`, `--no-expose-wasm`, an embedder's
 * policy) {@link wasmChecks} is false and compiled readers check in JavaScript (`js-run-check.ts`).
 *
 * Card data: the message bytes are copied into the module's memory for the check and wiped when the decode ends
 * (`Reader.reset`); the rest of the memory holds the class tables and offsets only.
 */
import { CLASS_CHECK_WASM } from '../generated/class-check-wasm.js';
import { CLASS } from './charset.js';

/** Where the class tables start (table N at `32 * N`). */
const TABLES_AT = 0;
/** Where the runs start: (start, end, class) triples of 32-bit words. */
const RUNS_AT = 4096;
/** Where the message bytes start. */
const MESSAGE_AT = 8192;

/** The word of the memory where the first run goes (a compiled reader counts runs in words from here). */
export const FIRST_RUN = RUNS_AT >> 2;

/** The class number of hex digits in upper case (0-9, A-F); the numbers 0-63 are the masks of `charset.ts`. */
export const UPPER_HEX_CLASS = 64;

/** The longest message a check takes (the module's memory is fixed: 2 pages). */
export const MAX_CHECKED = 65536;

/** The part of the WebAssembly API used here (the Node type definitions do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { memory: { buffer: ArrayBuffer }; check: (end: number) => number } };
}

/** The compiled module, made on first use; `null` where it cannot run. */
let compiled: object | null | undefined;

function classCheckModule(): object | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return compiled;
  try {
    const bytes = Buffer.from(CLASS_CHECK_WASM, 'base64');
    // A runtime without SIMD does not validate the module.
    if (wasm.validate(bytes)) compiled = new wasm.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

/** True when compiled readers check characters with the module (decided once per process). */
export function wasmChecks(): boolean {
  return classCheckModule() !== null;
}

/** One instance of the module: a reader's own memory for the bytes of the message it decodes. */
export class ClassCheck {
  /** The memory as 32-bit words: a compiled reader writes its runs from {@link FIRST_RUN}. */
  readonly words: Int32Array;
  /** The memory from where the message bytes go ({@link MAX_CHECKED} of them, and the 16 bytes after). */
  readonly message: Uint8Array;
  /** The whole memory (to look at in tests: nothing of a message stays in it). */
  readonly memory: Uint8Array;
  /** Checks the runs from {@link FIRST_RUN} up to the word `end`: 0 when every byte is in its class, else 1. */
  readonly check: (end: number) => number;

  private constructor(memory: ArrayBuffer, check: (end: number) => number) {
    this.memory = new Uint8Array(memory);
    this.words = new Int32Array(memory);
    this.message = new Uint8Array(memory, MESSAGE_AT);
    this.check = check;
    // Table N: the bytes of the classes of mask N (`charset.ts`), and the upper-case hex digits.
    const tables = this.memory;
    for (let mask = 0; mask < 64; mask++) {
      for (let c = 0; c < 256; c++) if ((CLASS[c]! & mask) !== 0) tables[TABLES_AT + 32 * mask + (c >> 3)] |= 1 << (c & 7);
    }
    for (let c = 0; c < 256; c++) {
      if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46)) tables[TABLES_AT + 32 * UPPER_HEX_CLASS + (c >> 3)] |= 1 << (c & 7);
    }
  }

  /** A new instance, or `undefined` where the module cannot run ({@link wasmChecks}). */
  static create(): ClassCheck | undefined {
    const module = classCheckModule();
    if (module === null) return undefined;
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly!;
    const { exports } = new wasm.Instance(module);
    return new ClassCheck(exports.memory.buffer, exports.check);
  }
}
