/**
 * The reader of one decode (the parser's state, as node-postgres pg-protocol keeps it in a reader object rather than
 * in module variables): the bytes, their Latin-1 text, the bitmap being walked, and where the last field ended. A
 * decode reads with a reader of its own (a codec lends its reader to one decode at a time), and a composite field
 * with a child reader for its contents, so no two decodes share state.
 *
 * Also the extent of a field: its length prefix read and checked against the field maximum, and a bounds check.
 */
import type { Iso8583Error } from '../errors.js';
import type { FieldPlan } from './plan.js';
import { COUNT_BYTES, COUNT_NIBBLES, ENC_BCD, ENC_EBCDIC_HEX, ENC_HEX, PFX_ASCII, PFX_BCD, PFX_BINARY, PFX_EBCDIC, wireSize } from './plan.js';
import { codecError } from '../errors.js';
import { truncated } from './truncated.js';
import { ASCII_ZERO, EBCDIC_ZERO, readDecimalPrefix } from '../prefix/decimal-chars.js';
import { readBcdPrefix } from '../prefix/bcd.js';
import { readBinaryPrefix } from '../prefix/binary.js';
import { MAX_CHECKED, classCheck } from './class-check.js';

/** The longest input a reader copies for {@link Reader.copied} (ISO 8583 messages are a few kilobytes at most). */
export const MAX_COPY = MAX_CHECKED;

const NO_COPY = new Uint8Array(0);
const NO_VIEW = new DataView(NO_COPY.buffer);

/** The state of one decode. */
export class Reader {
  /** The bytes being decoded. */
  buf: Buffer;
  /** {@link buf} read as Latin-1 (at least up to the end of what is read): ASCII values are cut from it. */
  text: string;
  /**
   * The end of the whole input, or -1 inside a composite field: a read past it means "more bytes are needed"
   * (`measure()` waits for them), a read past a composite's end means the message is malformed.
   */
  end: number;
  /** After a field read: the offset after it. After {@link extent}: the start of the value. */
  pos = 0;
  /** After {@link extent}: the value's size in units (characters, digits or bytes). */
  units = 0;
  /** After {@link extent}: the value's size in bytes on the wire. */
  wire = 0;
  /** The bitmap of the layout being read: primary, secondary and tertiary, bit N = field N. */
  readonly bits = new Uint8Array(24);
  /** {@link bits} as 32-bit words, to look up the shape of the bitmap (`shapes.ts`). */
  readonly words = new Int32Array(6);
  /** True while a decode reads with this reader (a decode that starts meanwhile takes a reader of its own). */
  busy = false;
  /**
   * A copy of {@link buf} made by {@link copied}, and a view of it that reads 4 bytes at a time (shared empty ones
   * until the first copy: a composite field's child reader usually never copies). {@link reset} wipes the bytes
   * copied, so no card data stays in it once a decode is done.
   */
  private copy = NO_COPY;
  private view = NO_VIEW;
  /** Bytes of {@link copy} holding the message last copied (0 once wiped). */
  private copiedLength = 0;
  /**
   * How many bytes of the message are in the memory of the WebAssembly check (`class-check.ts`): a compiled reader
   * sets it to 0 when its last check wiped them, else {@link reset} wipes them.
   */
  staging = 0;

  constructor(buf: Buffer, text: string, end: number) {
    this.buf = buf;
    this.text = text;
    this.end = end;
  }

  /** Points the reader at other bytes (`text` their Latin-1 text, `end` as in the constructor). */
  reset(buf: Buffer, text: string, end: number): void {
    if (this.copiedLength !== 0 || this.staging !== 0) this.wipe();
    this.buf = buf;
    this.text = text;
    this.end = end;
    this.pos = 0;
  }

  /**
   * Wipes the bytes of the last message copied (the reader's copy, and the memory of the WebAssembly check), apart
   * from {@link reset} so that `reset` stays small enough for V8 to inline it into `unpack` (two calls each unpack).
   */
  private wipe(): void {
    if (this.copiedLength !== 0) {
      this.copy.fill(0, 0, this.copiedLength);
      this.copiedLength = 0;
    }
    if (this.staging !== 0) {
      classCheck()!.message.fill(0, 0, this.staging);
      this.staging = 0;
    }
  }

  /**
   * {@link buf} up to `end` (the most the message being read can take; bytes after it are not copied) copied into a
   * buffer of the reader's own, and a view of the copy: a compiled reader checks the characters of its fields 4 at a
   * time through it (`compile-unpack.ts`). A `DataView` of the bytes themselves would cost more to make
   * (`buf.buffer`) than the copy; the copy is kept between decodes, sized for the longest message read. `undefined`
   * for a message over {@link MAX_COPY} (it is read the interpreter's way).
   */
  copied(end: number): DataView | undefined {
    const buf = this.buf;
    const n = Math.min(end, buf.length);
    if (n > this.copy.length) {
      if (n > MAX_COPY) return undefined;
      this.copy = new Uint8Array(Math.max(1024, 2 ** Math.ceil(Math.log2(n))));
      this.view = new DataView(this.copy.buffer);
    }
    this.copy.set(n === buf.length ? buf : buf.subarray(0, n));
    this.copiedLength = n;
    return this.view;
  }

  /**
   * Copies the bytes up to `end` (the most the message being read can take; bytes after it are not copied) into the
   * memory of the WebAssembly check (`class-check.ts`), where a compiled reader checks the runs it cuts; false for a
   * message over {@link MAX_CHECKED} (read the interpreter's way). Only called where `wasmChecks()` is true.
   */
  staged(end: number): boolean {
    const buf = this.buf;
    const n = Math.min(end, buf.length);
    if (n > MAX_CHECKED) return false;
    classCheck()!.message.set(n === buf.length ? buf : buf.subarray(0, n));
    this.staging = n;
    return true;
  }

  /**
   * The error for a read of `field` at `offset` that would pass `limit`; `needed`, where the read would have ended
   * (0: not known), tells `measure()` how many bytes to wait for.
   */
  truncated(field: string, offset: number, limit: number, needed = 0): Iso8583Error {
    return truncated(field, offset, limit === this.end, needed);
  }

  /**
   * Reads the prefix (if any) of `plan` at `offset` and checks that the value fits before `limit`. Leaves
   * {@link pos} at the start of the value, {@link units} and {@link wire} at its size.
   */
  extent(plan: FieldPlan, offset: number, limit: number): void {
    if (plan.fixed) {
      if (offset + plan.fixedWire > limit) throw this.truncated(plan.id, offset, limit, offset + plan.fixedWire);
      this.pos = offset;
      this.units = plan.length;
      this.wire = plan.fixedWire;
      return;
    }
    const buf = this.buf;
    const start = offset + plan.pfxSize;
    if (start > limit) throw this.truncated(plan.id, offset, limit, start);
    const declared = readPrefix(buf, offset, plan);
    if (declared < 0) throw prefixError(plan, offset, 'the length prefix is not a number');
    let units: number;
    let wire: number;
    const hexChars = plan.enc === ENC_HEX || plan.enc === ENC_EBCDIC_HEX;
    if (plan.counts === COUNT_BYTES || (plan.counts === COUNT_NIBBLES && plan.enc !== ENC_BCD)) {
      wire = declared;
      if (plan.counts === COUNT_NIBBLES) {
        if ((declared & 1) !== 0) throw prefixError(plan, offset, 'an odd number of nibbles for a byte-aligned value');
        wire = declared >> 1;
      }
      if (hexChars && (wire & 1) !== 0) throw prefixError(plan, offset, 'an odd number of hex characters');
      // Over the most bytes a value at its maximum takes (a BCD pad nibble included): refused now, not once the
      // declared bytes came (a stream would wait for them, the messages behind held in the bad field).
      if (wire > wireSize(plan, plan.length)) throw overMax(plan, offset, hexChars ? wire >> 1 : plan.enc === ENC_BCD ? 2 * wire - 1 : wire);
      if (start + wire > limit) throw this.truncated(plan.id, offset, limit, start + wire);
      units = unitsOfBytes(buf, start, plan, wire);
      if (units === plan.length + 1 && leadingPad(buf, start, plan, wire)) units--;
    } else {
      units = declared;
      wire = wireSize(plan, units);
    }
    if (units > plan.length) throw overMax(plan, offset, units);
    if (start + wire > limit) throw this.truncated(plan.id, offset, limit, start + wire);
    this.pos = start;
    this.units = units;
    this.wire = wire;
  }
}

/** `ISO8583_ERR_LENGTH_PREFIX` for the field at `offset`. */
export function prefixError(plan: FieldPlan, offset: number, reason: string): Iso8583Error {
  return codecError('ISO8583_ERR_LENGTH_PREFIX', reason, { field: plan.id, offset });
}

/** `ISO8583_ERR_LENGTH_OVER_MAX`: the prefix at `offset` declares `units`, over the field maximum. */
export function overMax(plan: FieldPlan, offset: number, units: number): Iso8583Error {
  return codecError('ISO8583_ERR_LENGTH_OVER_MAX', `declared length ${units} over the maximum ${plan.length}`, {
    field: plan.id,
    offset,
  });
}

/** `ISO8583_ERR_FIELD_TYPE`: the value of the field at `offset` has characters its type does not allow. */
export function typeError(plan: FieldPlan, offset: number): Iso8583Error {
  return codecError('ISO8583_ERR_FIELD_TYPE', `characters that type ${plan.type} does not allow`, {
    field: plan.id,
    offset,
  });
}

function readPrefix(buf: Uint8Array, offset: number, plan: FieldPlan): number {
  switch (plan.pfx) {
    case PFX_ASCII:
      return readDecimalPrefix(buf, offset, plan.pfxDigits, ASCII_ZERO);
    case PFX_EBCDIC:
      return readDecimalPrefix(buf, offset, plan.pfxDigits, EBCDIC_ZERO);
    case PFX_BCD:
      return readBcdPrefix(buf, offset, plan.pfxDigits);
    case PFX_BINARY:
      return readBinaryPrefix(buf, offset, plan.pfxDigits);
    default:
      return -1;
  }
}

/** Units of a value that takes `bytes` bytes (a BCD value counted in bytes drops an F pad nibble). */
function unitsOfBytes(buf: Uint8Array, start: number, plan: FieldPlan, bytes: number): number {
  switch (plan.enc) {
    case ENC_BCD: {
      if (plan.bcdAmount) return bytes === 0 ? 0 : 2 * bytes - 1;
      if (bytes === 0 || plan.padNibble !== 15) return 2 * bytes;
      const edge = plan.leftJustified ? buf[start + bytes - 1]! & 0x0f : buf[start]! >> 4;
      return edge === 15 ? 2 * bytes - 1 : 2 * bytes;
    }
    case ENC_HEX:
    case ENC_EBCDIC_HEX:
      return bytes >> 1;
    default:
      return bytes;
  }
}

/**
 * Whether the first digit nibble of a BCD value counted in `bytes` bytes is the 0 pad of a right-justified value one
 * digit shorter: pack writes `12345` of a field of at most 5 digits as `01 23 45` (and `C123` of an amount of at most 4
 * characters as `C 01 23`). Read when the bytes hold one digit more than the maximum, so a value at its maximum comes
 * back; any other digit there is a length over the maximum.
 */
function leadingPad(buf: Uint8Array, start: number, plan: FieldPlan, bytes: number): boolean {
  if (plan.enc !== ENC_BCD || plan.leftJustified || plan.padNibble !== 0) return false;
  const first = plan.bcdAmount ? 1 : 0;
  return bytes > first && buf[start + first]! >> 4 === 0;
}
