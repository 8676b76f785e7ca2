/**
 * The writer of one pack (the serializer's state, apart from the reader as in node-postgres pg-protocol): a growable
 * scratch buffer reused for every message, so that packing allocates only what it returns; the bitmap being built;
 * the fields prepared on the slow path; and why the last value could not be sent. A composite field packs its
 * contents with a child writer, so the parent's state is untouched while it does.
 */
import { Buffer } from 'node:buffer';
import type { Problem } from './prepare.js';

/** Field slots of the prepared (sorted) fields: a tertiary bitmap's 192 fields and then some. */
const SLOTS = 200;

/**
 * The class `subarray` makes a Buffer's views with (Node's `FastBuffer`, its species): constructed directly, a view
 * costs no species lookup, no `buffer` getter of the runtime and no interpreted constructor (170 instructions fewer a
 * pack with field 55, callgrind). Its views are Buffers as `subarray`'s are (same prototype).
 */
export type ViewClass = new (ab: ArrayBufferLike, at: number, length: number) => Buffer;
const species = (Buffer as unknown as { readonly [Symbol.species]?: unknown })[Symbol.species];
/**
 * Makes a Buffer that views `length` bytes of `ab` from `at` ({@link ViewClass}). A runtime without the species (none
 * known) gets `Buffer.from`'s view of the same memory, returned by the constructor.
 */
export const BufferView: ViewClass =
  typeof species === 'function' ? (species as ViewClass) : (function view(ab: ArrayBufferLike, at: number, length: number) { return Buffer.from(ab, at, length); } as unknown as ViewClass);

/** The state of packing one message (or one composite's contents). */
export class Writer {
  /** The scratch bytes. */
  buf: Buffer;
  /** A view of {@link buf} that reads 4 bytes at a time (the compiled packers check what they wrote with it). */
  view: DataView;
  /**
   * The memory of {@link buf} (for {@link Writer.bytes}, and for a compiled packer's view of what it wrote, which
   * it copies to its character check: `compile-pack.ts`).
   */
  ab: ArrayBufferLike;
  /** Where in {@link ab} {@link buf} starts. */
  abOffset: number;
  /** Bytes of {@link buf} handed out already (slab use: packed messages are views into it). */
  used = 0;
  /** True while a pack writes into this writer (a pack that starts meanwhile takes a fresh writer). */
  busy = false;
  /**
   * The Buffer of what a compiled packer wrote and checked (from where it started to the end of its last field), made
   * once for its check's copy and handed out by the codec as the message when the message starts there (no header,
   * an ASCII MTI): one view a pack, not two (`compile-pack.ts`). `null` but between the packer and the codec.
   */
  packed: Buffer | null = null;
  /** The bitmap of the fields written: primary, secondary and tertiary, bit N = field N. */
  readonly bits = new Uint8Array(24);
  /** The highest field number written (it decides how many bitmaps are sent). */
  maxId = 0;
  /** Slow path: numbers of the prepared fields, in ascending order once sorted. */
  readonly nums = new Int32Array(SLOTS);
  /** Slow path: the prepared wire values, by the index of {@link nums}. */
  readonly strs: string[] = new Array<string>(SLOTS).fill('');
  /** Slow path: the number of prepared fields. */
  count = 0;
  /** Why the last value could not be sent (code and words, never the value). */
  readonly problem: Problem = { code: 'ISO8583_ERR_FIELD_VALUE', reason: '' };
  private sub: Writer | undefined;

  /** @param size the initial size of the scratch buffer in bytes (it grows as needed). Default 8192. */
  constructor(size = 8192) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = viewOf(this.buf);
    this.ab = this.buf.buffer;
    this.abOffset = this.buf.byteOffset;
  }

  /** The bytes `start .. end` of {@link buf} as a Buffer that shares them (as `buf.subarray(start, end)`). */
  bytes(start: number, end: number): Buffer {
    return new BufferView(this.ab, this.abOffset + start, end - start);
  }

  /** The writer of a composite field's contents packed while this one is in use (made once, then reused). */
  child(): Writer {
    if (this.sub === undefined) this.sub = new Writer(1024);
    return this.sub;
  }

  /**
   * Slab use: the offset where the next message may start. When less than `room` bytes are left, a fresh slab is
   * taken (the old one lives on in the messages that view it), so messages are written in place and never copied.
   */
  start(room: number, slab: number): number {
    if (this.buf.length - this.used < room) {
      this.buf = Buffer.allocUnsafe(slab);
      this.view = viewOf(this.buf);
      this.ab = this.buf.buffer;
      this.abOffset = this.buf.byteOffset;
      this.used = 0;
    }
    return this.used;
  }

  /**
   * Zeroes what a pack wrote from `at` up to `to` (at most the buffer's end) before it gave up, in the buffer and in
   * `first`, the buffer the pack started in when a write grew it: no card data of the fields written stays in the
   * shared buffer past what was handed out.
   */
  wipe(first: Buffer, at: number, to: number): void {
    this.buf.fill(0, at, Math.min(to, this.buf.length));
    if (first !== this.buf) first.fill(0, at, Math.min(to, first.length));
  }

  /** Makes sure that `size` bytes fit. */
  ensure(size: number): void {
    if (size <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(size, 2 * this.buf.length));
    this.buf.copy(next);
    this.buf = next;
    this.view = viewOf(next);
    this.ab = next.buffer;
    this.abOffset = next.byteOffset;
  }
}

function viewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.length);
}

/**
 * The number of a message key: `"2"` -> 2. Returns -1 for anything but a canonical decimal number (no sign, no
 * leading zero, at most 3 digits).
 */
export function fieldNumber(key: string): number {
  const n = key.length;
  if (n === 0 || n > 3) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = key.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  if (n > 1 && key.charCodeAt(0) === 0x30) return -1;
  return v;
}
