// Imported, not the global: Node's global `Buffer` is a getter, which optimised code calls on every use (an unpack
// paid about 740 instructions of 8,400 for `Buffer.isBuffer` through it, measured with callgrind).
import { Buffer } from 'node:buffer';
import type { Dialect, IsoMessage, MessageInput } from './types.js';
import type { Codec, CodecOptions, Decoded, PackOptions } from './codec-types.js';
import type { FieldProblem } from './errors.js';
import { codecError, invalidMessage } from './errors.js';
import { Layout } from './field/compile.js';
import { Writer } from './field/writer.js';
import { Reader } from './field/reader.js';
import { packByShape } from './field/pack-shapes.js';
import { packFields, preparedBitmapSize, prepareFields, writeBitmapBefore, writePrepared } from './field/pack.js';
import { collectProblems } from './field/validate.js';
import { ownFields, plainValues } from './field/own-fields.js';
import { messageReader, readLayout } from './field/unpack.js';
import { latin1 } from './encoding/ascii.js';
import { isDigitCode } from './field/charset.js';
import { bytesNeeded, needsMoreBytes, truncated } from './field/truncated.js';
import { noteBytesNeeded } from './framing/measure-hint.js';
import { MTI_ASCII, MTI_BCD, MTI_EBCDIC, mtiValue, readMti, writeMti, mtiSize } from './field/mti.js';
import { resolveDialect } from './dialect/resolve.js';
import { dialectInvalid, dialectProblems } from './dialect/check.js';

/** What an idle reader points at. */
const NO_BYTES = Buffer.alloc(0);

/**
 * The header of every message of a dialect without one: one empty Buffer for all (a copy of no bytes made a Buffer
 * and an ArrayBuffer a decode, which the collector then had to sweep).
 */
const NO_HEADER = Buffer.alloc(0);

/** Bytes of one slab of packed messages. */
const SLAB_SIZE = 65536;

const MTI_ENCODINGS: Record<string, number> = { ascii: MTI_ASCII, ebcdic: MTI_EBCDIC, bcd: MTI_BCD };

function checkOptions(options: CodecOptions | undefined): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw codecError('ISO8583_ERR_OPTION', 'options must be an object', { field: 'options' });
  if (options.lenient !== undefined && typeof options.lenient !== 'boolean') {
    throw codecError('ISO8583_ERR_OPTION', 'must be true or false', { field: 'lenient' });
  }
  if (options.trailing !== undefined && options.trailing !== 'error' && options.trailing !== 'allow') {
    throw codecError('ISO8583_ERR_OPTION', 'must be "error" or "allow"', { field: 'trailing' });
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  if (!(bytes instanceof Uint8Array)) {
    throw codecError('ISO8583_ERR_OPTION', 'the bytes to decode must be a Buffer or a Uint8Array', { field: 'bytes' });
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A codec compiled for one dialect: every field turned into a plan once, one scratch buffer for packing. */
class CompiledCodec implements Codec {
  readonly dialect: Dialect;
  private readonly layout: Layout;
  private readonly mtiEncoding: number;
  private readonly mtiBytes: number;
  private readonly headerLength: number;
  private readonly lenient: boolean;
  private readonly allowTrailing: boolean;
  /** Bytes kept before the fields for the largest bitmap (`Layout.maxBitmapSize`). */
  private readonly bitmapRoom: number;
  /** The MTI travels as ASCII digits: a pack plan writes it with the bitmap and the fields. */
  private readonly mtiText: boolean;
  /** Where a pack plan starts writing, from the message's start: after the header, and after the MTI unless {@link mtiText}. */
  private readonly shapeAt: number;
  private readonly writer = new Writer();
  private readonly reader = new Reader(NO_BYTES, '', 0);
  /** After a read: the offset after the last field of the message read. */
  private end = 0;

  constructor(dialect: Dialect, options: CodecOptions) {
    this.dialect = dialect;
    this.layout = new Layout(dialect.fields, dialect.bitmap, false, '');
    this.mtiEncoding = MTI_ENCODINGS[dialect.mti.encoding] ?? MTI_ASCII;
    this.mtiBytes = mtiSize(this.mtiEncoding);
    this.headerLength = dialect.headerLength ?? 0;
    this.lenient = options.lenient === true;
    this.allowTrailing = options.trailing === 'allow';
    this.bitmapRoom = this.layout.maxBitmapSize();
    this.mtiText = this.mtiEncoding === MTI_ASCII;
    this.shapeAt = this.headerLength + (this.mtiText ? 0 : this.mtiBytes);
  }

  pack(message: MessageInput, options?: PackOptions): Buffer {
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      throw invalidMessage([{ field: 'message', code: 'ISO8583_ERR_FIELD_VALUE', reason: 'not an object keyed by field number' }]);
    }
    if (ArrayBuffer.isView(message)) throw invalidMessage([{ field: 'message', code: 'ISO8583_ERR_FIELD_VALUE', reason: 'bytes, not an object keyed by field number' }]);
    const shared = this.writer;
    // A pack that starts while another is writing (a getter of the message packing with this codec) takes a writer
    // of its own, so the one in progress is not overwritten.
    if (shared.busy) return this.packWith(new Writer(), message, options);
    shared.busy = true;
    try {
      return this.packWith(shared, message, options);
    } finally {
      shared.busy = false;
    }
  }

  private packWith(w: Writer, message: MessageInput, options: PackOptions | undefined): Buffer {
    const lenient = this.lenient;
    const layout = this.layout;
    // Fields are own enumerable keys (`field/own-fields.ts`), their values taken once, before the slab is looked at (a
    // getter may pack with this codec); a message with a prototype of its own is packed from a copy of its own keys.
    // A number key: a string one is turned into an index on every read (about 40 instructions). Read before the
    // prototype is looked at: the read checks the message's hidden class, after which the optimizing compiler knows
    // its prototype and folds the look (`Object.getPrototypeOf`, about 120 instructions a pack, callgrind).
    let v0 = message[0];
    let values = plainValues(message);
    if (values === undefined) {
      message = ownFields(layout, message);
      values = Object.values(message);
      v0 = message[0];
    }
    const mti = v0 === values[0] ? mtiValue(v0) : undefined;
    if (mti === undefined) throw this.invalid(message, lenient);
    let header: Uint8Array | undefined;
    if (options !== undefined && options !== null && options.header !== undefined) {
      header = options.header;
      if (!(header instanceof Uint8Array) || header.length !== this.headerLength) {
        throw codecError('ISO8583_ERR_HEADER', `the header must be ${this.headerLength} bytes`, { field: 'header' });
      }
    }
    // Messages are written in place into a slab and returned as views of it (as Buffer.allocUnsafe does with its
    // pool). A planned set of keys: its bitmap is known, so MTI, bitmap and fields are written in one pass after
    // the header (the plan writes an ASCII MTI itself).
    const base = w.start(4096, SLAB_SIZE);
    const mtiText = this.mtiText ? mti : '';
    const shapeAt = base + this.shapeAt;
    let end = packByShape(layout, message, w, shapeAt, lenient, values, mtiText);
    if (end >= 0) {
      // A compiled packer's view of what it wrote is the message when the message starts where it did.
      const packed = w.packed;
      if (packed !== null) w.packed = null;
      return this.finish(w, mtiText === '' ? mti : '', header, base, end, shapeAt === base ? packed : null);
    }
    if (end === -1) throw this.invalid(message, lenient);
    // Otherwise header, MTI and the largest bitmap fit before `reserve`, the fields are written from there in one
    // pass, then the bitmap, MTI and header just before them.
    const fieldsAt = base + this.headerLength + this.mtiBytes;
    const reserve = fieldsAt + this.bitmapRoom;
    let start: number;
    end = packFields(layout, message, w, reserve, lenient, values);
    if (end === -1) throw this.invalid(message, lenient);
    if (end === -2) {
      if (!prepareFields(layout, message, lenient, w)) throw this.invalid(message, lenient);
      w.ensure(fieldsAt + preparedBitmapSize(layout, w) + 8);
      start = base;
      end = writePrepared(layout, w, fieldsAt);
    } else {
      // Noted before the bitmap is written (which sets the indicator bits in `w.bits`).
      layout.packShapes.note(layout, message, w, values.length);
      start = writeBitmapBefore(layout, w, reserve) - this.mtiBytes - this.headerLength;
    }
    return this.finish(w, mti, header, start, end);
  }

  /**
   * Writes the header and the MTI (unless `mti` is `""`: written already) before the bitmap at `start`, and hands out
   * the message `start .. end`: `view` when given (a view of exactly those bytes, `Writer.packed`).
   */
  private finish(w: Writer, mti: string, header: Uint8Array | undefined, start: number, end: number, view: Buffer | null = null): Buffer {
    const headerLength = this.headerLength;
    const buf = w.buf;
    if (headerLength > 0) {
      if (header === undefined) buf.fill(0, start, start + headerLength);
      else buf.set(header, start);
    }
    if (mti !== '') writeMti(buf, start + headerLength, mti, this.mtiEncoding);
    // Keep the next message 8-byte aligned.
    w.used = (end + 7) & ~7;
    return view ?? w.bytes(start, end);
  }

  private invalid(message: MessageInput, lenient: boolean): Error {
    const problems = this.problems(message, lenient);
    if (problems.length === 0) {
      return codecError('ISO8583_ERR_FIELD_VALUE', 'the message cannot be packed');
    }
    return invalidMessage(problems);
  }

  private problems(given: MessageInput, lenient: boolean): FieldProblem[] {
    const problems: FieldProblem[] = [];
    if (given === null || typeof given !== 'object' || Array.isArray(given)) {
      problems.push({ field: 'message', code: 'ISO8583_ERR_FIELD_VALUE', reason: 'not an object keyed by field number' });
      return problems;
    }
    // Only the own enumerable keys are fields: read from a copy of them.
    const message = ownFields(this.layout, given);
    if (mtiValue(message['0']) === undefined) {
      problems.push({ field: '0', code: 'ISO8583_ERR_MTI', reason: 'the MTI must be four digits' });
    }
    // A writer of its own: values are tried by packing them, and a pack may be in progress (this is its slow path).
    collectProblems(this.layout, message, lenient, problems, new Writer(256));
    return problems;
  }

  validate(message: MessageInput, options?: CodecOptions): FieldProblem[] {
    checkOptions(options);
    return this.problems(message, options?.lenient ?? this.lenient);
  }

  unpack(bytes: Uint8Array, options?: CodecOptions): IsoMessage {
    checkOptions(options);
    const buf = asBuffer(bytes);
    const out = this.read(buf, options?.lenient ?? this.lenient);
    this.checkTrailing(buf, this.end, options);
    return out;
  }

  decode(bytes: Uint8Array, options?: CodecOptions): Decoded {
    checkOptions(options);
    const buf = asBuffer(bytes);
    const out = this.read(buf, options?.lenient ?? this.lenient);
    const end = this.end;
    this.checkTrailing(buf, end, options);
    const header = this.headerLength === 0 ? NO_HEADER : Buffer.from(buf.subarray(0, this.headerLength));
    return { message: out, header, length: end };
  }

  measure(bytes: Uint8Array, options?: CodecOptions): number | undefined {
    checkOptions(options);
    const buf = asBuffer(bytes);
    try {
      // Only the structure matters here: character sets are checked by the unpack that follows.
      this.read(buf, true);
      return this.end;
    } catch (err) {
      if (needsMoreBytes(err)) {
        // How many bytes the message needs at least, for a FrameDecoder to wait for (see framing/measure-hint.ts).
        noteBytesNeeded(bytes, bytesNeeded(err));
        return undefined;
      }
      throw err;
    }
  }

  private checkTrailing(buf: Buffer, end: number, options: CodecOptions | undefined): void {
    if (end === buf.length) return;
    const allow = options?.trailing === undefined ? this.allowTrailing : options.trailing === 'allow';
    if (!allow) {
      throw codecError('ISO8583_ERR_TRAILING_BYTES', `${buf.length - end} bytes after the last field`, { offset: end });
    }
  }

  /** Reads header, MTI, bitmaps and fields; returns the message and sets {@link end} to the offset after it. */
  private read(buf: Buffer, lenient: boolean): IsoMessage {
    const text = latin1(buf, buf.length);
    const shared = this.reader;
    // The codec's reader serves one decode at a time (a decode is synchronous; one that starts meanwhile, which no
    // code path does today, takes a reader of its own). Either lets go of the bytes when done (its copy, and the
    // bytes it staged in the WebAssembly check's memory, wiped).
    if (shared.busy) {
      const own = new Reader(buf, '', buf.length);
      try {
        return this.readWith(own, text, lenient);
      } finally {
        own.reset(NO_BYTES, '', 0);
      }
    }
    // The text goes into the long-lived reader only for the general way (`readWith`): storing a new string there
    // costs a write barrier's slow path (about 60 instructions an unpack).
    shared.reset(buf, '', buf.length);
    shared.busy = true;
    try {
      return this.readWith(shared, text, lenient);
    } finally {
      shared.reset(NO_BYTES, '', 0);
      shared.busy = false;
    }
  }

  /** Reads with `r` (pointed at the bytes, `text` their Latin-1 text): header, MTI, bitmaps and fields; sets {@link end}. */
  private readWith(r: Reader, text: string, lenient: boolean): IsoMessage {
    const buf = r.buf;
    const at = this.headerLength;
    // The message type read last (a link carries mostly one): its reader of the whole message checks the MTI and
    // that the bitmaps are its bytes too; on any problem the general way reads it, not trying that reader again.
    const recent = this.mtiText && !lenient ? this.layout.shapes.recent : undefined;
    const whole = recent === undefined ? null : messageReader(this.layout, recent, at);
    const out = whole === null ? undefined : whole(r, at, buf.length, undefined, text);
    if (out !== undefined) return this.ended(r, out);
    r.text = text;
    if (at + this.mtiBytes > buf.length) throw truncated('0', at > buf.length ? 0 : at, true, at + this.mtiBytes);
    const mti = this.mtiEncoding === MTI_ASCII ? asciiMti(text, at) : readMti(buf, at, this.mtiEncoding);
    if (mti === undefined) throw codecError('ISO8583_ERR_MTI', 'the MTI is not four digits', { field: '0', offset: at });
    return this.ended(r, readLayout(this.layout, r, at + this.mtiBytes, buf.length, lenient, mti, whole === null ? undefined : recent));
  }

  /** Sets {@link end} after a read of `out` (last, after any nested decode: the caller reads it at once). */
  private ended(r: Reader, out: IsoMessage): IsoMessage {
    this.end = r.pos;
    return out;
  }
}

/** The ASCII MTI at `at` of the Latin-1 text of a message, or `undefined` when it is not four digits. */
function asciiMti(text: string, at: number): string | undefined {
  for (let i = at; i < at + 4; i++) {
    if (!isDigitCode(text.charCodeAt(i))) return undefined;
  }
  return text.substring(at, at + 4);
}

/** Makes a codec for a dialect (a dialect object, a built-in name, or a `.json` / `.xml` dialect file). */
export function createCodec(dialect: Dialect | string, options: CodecOptions = {}): Codec {
  checkOptions(options);
  const resolved = resolveDialect(dialect);
  const problems = dialectProblems(resolved);
  if (problems.length > 0) throw dialectInvalid(problems);
  return new CompiledCodec(resolved, options ?? {});
}
