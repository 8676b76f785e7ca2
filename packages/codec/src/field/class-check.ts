/**
 * The character check of the compiled unpacker in WebAssembly (`wasm/class-check.wat`, made bytes at build time):
 * a compiled reader copies the message into the memory of a small module (the copy the JavaScript check makes too)
 * and checks each run of bytes it cuts against its character class with one call, 16 bytes a step with SIMD
 * instructions, every class by the same code (a 256-bit set per class).
 *
 * Where WebAssembly or its SIMD instructions are missing (`node --jitless`, `--no-expose-wasm`, an embedder's
 * policy) {@link wasmChecks} is false and compiled readers check in JavaScript (`js-run-check.ts`).
 *
 * Card data: the message bytes are copied into the module's memory for the check and wiped when the decode ends
 * (`Reader.reset`); the rest of the memory holds the class tables only.
 */
import { CLASS_CHECK_WASM } from '../generated/class-check-wasm.js';
import { CLASS } from './charset.js';

/** Where the class tables start (table N at `32 * N`). */
const TABLES_AT = 0;
/** Where the message bytes start. */
const MESSAGE_AT = 4096;

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
  run: (start: number, end: number, cls: number) => number;
}

/** The instance of the process, made on first use; `null` where it cannot run. */
let shared: ClassCheck | null | undefined;

/** The instance of the process, or `null` where WebAssembly or its SIMD instructions are missing. */
export function classCheck(): ClassCheck | null {
  if (shared !== undefined) return shared;
  shared = null;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return shared;
  try {
    const bytes = Buffer.from(CLASS_CHECK_WASM, 'base64');
    // A runtime without SIMD does not validate the module.
    if (wasm.validate(bytes)) shared = new ClassCheck(new wasm.Instance(new wasm.Module(bytes)).exports);
  } catch {
    shared = null;
  }
  return shared;
}

/** True when compiled readers check characters with the module (decided once per process). */
export function wasmChecks(): boolean {
  return classCheck() !== null;
}

/**
 * The module's instance: one per process, its memory holding the message of the decode in progress (decodes are
 * synchronous, and a compiled read never runs another compiled read: it calls only the interpreter's readers, and
 * composite layouts are not compiled). Were one to run inside another all the same, the inner one's wipe would leave
 * zeros under the outer one's runs, which no class allows: the outer read would be refused and read again by the
 * interpreter, never accepted on bytes not its own.
 */
export class ClassCheck {
  /** The memory from where the message bytes go ({@link MAX_CHECKED} of them, and the 16 bytes after). */
  readonly message: Uint8Array;
  /** The whole memory (to look at in tests: nothing of a message stays in it). */
  readonly memory: Uint8Array;
  /** Checks the message bytes `start .. end` against class `cls`: 0 when every byte is in it, else non-zero. */
  readonly run: (start: number, end: number, cls: number) => number;

  constructor(exports: WasmExports) {
    const memory = exports.memory.buffer;
    this.memory = new Uint8Array(memory);
    this.message = new Uint8Array(memory, MESSAGE_AT);
    this.run = exports.run;
    // Table N: the bytes of the classes of mask N (`charset.ts`), and the upper-case hex digits.
    const tables = this.memory;
    for (let mask = 0; mask < 64; mask++) {
      for (let c = 0; c < 256; c++) if ((CLASS[c]! & mask) !== 0) tables[TABLES_AT + 32 * mask + (c >> 3)] |= 1 << (c & 7);
    }
    for (let c = 0; c < 256; c++) {
      if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46)) tables[TABLES_AT + 32 * UPPER_HEX_CLASS + (c >> 3)] |= 1 << (c & 7);
    }
  }
}
