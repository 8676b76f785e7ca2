/**
 * The console's message workbench: a wire image (hex, with its dialect and framing) decoded into rows (every field
 * with its name, value and meaning; card data masked as `describe()` masks it, by the codec's `maskMessage`: the PAN
 * as first 6 + last 4, track data after the separator, PIN and CVV as stars, PAN-shaped digit runs in free-text
 * fields (48, 62) as first 6 + last 4, EMV data (field 55) as its tags with their names, values hidden, when the
 * codec's `describableTlv` says the tags read without doubt, else as its size).
 */
import { BUILTIN_DIALECTS, EMV_TAG_NAMES, FrameDecoder, createCodec, encodeKeepAlive, isFieldKey, maskHeader, maskKey, maskMessage, describableTlv, resolveDialect, sensitiveFields } from '@iso8583/codec';
import type { Dialect, FieldSpec, IsoMessage, LengthHeader, Sensitivity, TlvItem } from '@iso8583/codec';
import { FRAME_CHOICES } from '../flags.js';
import { readHex } from '../hex.js';
import { plural } from '../plural.js';
import { consoleError } from './errors.js';
import { meaningOf } from './meaning.js';

/** One EMV data object of field 55: tag, name, size; never the value. */
export interface TagRow {
  /** The tag (`9F26`). */
  tag: string;
  /** Its name (`APPLICATION CRYPTOGRAM`), or `tag` when unknown. */
  name: string;
  /** Its length in bytes. */
  bytes: number;
  /** Constructed tags: the objects inside. */
  children?: TagRow[];
}

/** One field of a decoded message. */
export interface FieldRow {
  /** The field number (`0` the MTI, `127.2` a sub-field). */
  id: string;
  /** The name from the dialect (`PRIMARY ACCOUNT NUMBER (PAN)`). */
  name: string;
  /** The value, masked as `describe()` masks it: a sensitive field by its sensitivity, PAN-shaped runs in free text. */
  value: string;
  /** The field's sensitivity, when masked. */
  masked?: Sensitivity;
  /** What the value means (MTI, response code, processing code, network management code). */
  meaning?: string;
  /** Sub-fields of a composite field. */
  fields?: FieldRow[];
  /** EMV data objects of field 55. */
  tags?: TagRow[];
}

/** What the workbench's decode answers. */
export interface Decoded {
  /** The dialect used. */
  dialect: string;
  /** Header bytes before the MTI (a TPDU, say), as hex. */
  header: string;
  /** The fields, in field-number order. */
  fields: FieldRow[];
}

/** A decode request as posted by the page. */
export interface DecodeRequest {
  /** The wire image as hex (spaces allowed). */
  hex?: unknown;
  /** A dialect name (one of `dialects`). Default: the first of `dialects`. */
  dialect?: unknown;
  /** The length header before the message. Default `none`. */
  frame?: unknown;
  /** Fixed header bytes after the length header (a TPDU: 5). Default 0. */
  headerBytes?: unknown;
}

function byFieldNumber(a: string, b: string): number {
  return Number(a) - Number(b);
}

function tagRows(items: readonly TlvItem[]): TagRow[] {
  return items.map((item) => {
    const row: TagRow = { tag: item.tag, name: EMV_TAG_NAMES[item.tag] ?? 'tag', bytes: item.value.length / 2 };
    if (item.children !== undefined) row.children = tagRows(item.children);
    return row;
  });
}

/**
 * `message` as rows, masked by the sensitivity of `dialect`'s fields and with PAN-shaped digit runs masked in free-text
 * fields: the values are those of the codec's `maskMessage` (as `describe()` masks; one home for masking).
 */
export function fieldRows(message: IsoMessage, dialect: Dialect): FieldRow[] {
  const sensitive = sensitiveFields(dialect);
  const walk = (m: IsoMessage, shown: IsoMessage, fields: Record<string, FieldSpec> | undefined, prefix: string, top: boolean): FieldRow[] => {
    const rows: FieldRow[] = [];
    for (const id of Object.keys(m).filter(isFieldKey).sort(byFieldNumber)) {
      if (top && id === '1') continue;
      const value = m[id]!;
      const path = prefix + id;
      const spec = fields?.[id];
      const name = top && id === '0' ? 'MESSAGE TYPE INDICATOR' : (spec?.name ?? 'NOT IN DIALECT');
      const sensitivity = sensitive.get(path);
      if (typeof value !== 'string') {
        if (sensitivity !== undefined) rows.push({ id: path, name, value: '[hidden]', masked: sensitivity });
        else rows.push({ id: path, name, value: '', fields: walk(value, shown[id] as IsoMessage, spec?.subfields?.fields, `${path}.`, false) });
        continue;
      }
      if (sensitivity === 'emv') {
        // Listed by tag only when the codec's one rule (describe()'s) says the tags read without doubt: after a
        // wrong length (a short 5A), the "tags" are PAN digits read as tags.
        const items = describableTlv(value);
        const tags = items === undefined ? undefined : tagRows(items);
        const bytes = Math.floor(value.length / 2);
        rows.push(
          tags === undefined
            ? { id: path, name, value: `[${bytes} bytes hidden]`, masked: 'emv' }
            : { id: path, name, value: `${plural(tags.length, 'data object')}, values hidden`, masked: 'emv', tags },
        );
        continue;
      }
      const row: FieldRow = { id: path, name, value: shown[id] as string };
      if (sensitivity !== undefined) row.masked = sensitivity;
      else {
        const meaning = top ? meaningOf(id, value, dialect, typeof m['0'] === 'string' ? m['0'] : undefined) : undefined;
        if (meaning !== undefined) row.meaning = meaning;
      }
      rows.push(row);
    }
    // A key that is not a field number (a peer's `{ [pan]: ... }`) is shown as the codec's masks show it, after the fields.
    for (const key of Object.keys(m).filter((k) => !isFieldKey(k) && k !== 'header')) {
      const id = maskKey(key);
      const value = shown[id];
      rows.push({ id: prefix + id, name: 'NOT A FIELD NUMBER', value: typeof value === 'string' ? value : '[hidden]' });
    }
    return rows;
  };
  return walk(message, maskMessage(message, dialect), dialect.fields, '', true);
}

/** The dialects the workbench offers: the server's own (by role) first, then the built-in ones. */
export function workbenchDialects(own: Readonly<Record<string, string | Dialect>>): Map<string, Dialect> {
  const out = new Map<string, Dialect>();
  for (const [role, ref] of Object.entries(own)) {
    const d = resolveDialect(ref);
    const label = typeof ref === 'string' && BUILTIN_DIALECTS.includes(ref) ? ref : `${role}: ${d.name}`;
    if (!out.has(label)) out.set(label, d);
  }
  for (const name of BUILTIN_DIALECTS) if (!out.has(name)) out.set(name, resolveDialect(name));
  return out;
}

/**
 * Bytes from hex text (white space and a leading `0x` allowed: {@link readHex}, the commands' reading); a coded error
 * naming `hex` otherwise, with the position of a bad character in the text as given.
 */
function bytesOf(hex: unknown): Buffer {
  if (typeof hex !== 'string') throw consoleError('ISO8583_ERR_CONSOLE_INPUT', 'hex: give the wire image as a string of hex digits', 'hex');
  const read = readHex(hex);
  if ('problem' in read) throw consoleError('ISO8583_ERR_CONSOLE_INPUT', `hex: ${read.problem}`, 'hex');
  if (read.bytes.length === 0) throw consoleError('ISO8583_ERR_CONSOLE_INPUT', 'hex: empty', 'hex');
  return read.bytes;
}

/**
 * The most bytes of a workbench request's body (`POST /console/api/decode` and `/console/api/send`): 256 KiB (262144),
 * room for the largest `binary2` frame (65537 bytes) as hex with a blank between bytes and a message of the largest
 * fields as JSON; a larger body is refused 413 `ISO8583_ERR_CONSOLE_INPUT` naming `body`, unread. Fastify's default
 * (1 MiB) let one request of tiny frames hold the server (and every POS connection it serves) for seconds.
 */
export const WORKBENCH_BODY_LIMIT = 256 * 1024;

/**
 * The most bytes after the first frame whose frames are counted in the refusal (4096: at most ~1365 frames cut); past
 * it the refusal counts bytes only, so a request of tiny frames costs no more than one of a few.
 */
const TRAILING_COUNTED = 4096;

/**
 * The first frame of `bytes` (zero-length keep-alive frames before it skipped, as a connection skips them) and where it
 * ends; `undefined` when no whole frame is there. Only that frame is cut (the bytes after it are not read), and a
 * bad length header in front of it throws the codec's `ISO8583_ERR_FRAME_LENGTH`.
 */
function firstFrame(bytes: Buffer, frame: LengthHeader, headerBytes: number): { header: Buffer; payload: Buffer; end: number } | undefined {
  const keepAlive = encodeKeepAlive({ lengthHeader: frame });
  const size = keepAlive.length;
  let start = 0;
  while (start + size <= bytes.length && keepAlive.equals(bytes.subarray(start, start + size))) start += size;
  if (start + size > bytes.length) return undefined;
  const decoder = new FrameDecoder({ lengthHeader: frame, headerBytes });
  // The length header alone: the decoder reads it (or throws) and tells the frame's size, cutting nothing yet.
  decoder.push(bytes.subarray(start, start + size));
  const whole = decoder.partialFrameSize;
  if (whole === undefined || start + whole > bytes.length) return undefined;
  const [cut] = decoder.push(bytes.subarray(start + size, start + whole));
  return cut === undefined ? undefined : { header: cut.header, payload: cut.payload, end: start + whole };
}

/**
 * The refusal of the bytes `rest` after the first frame of a decode: their count, and what they hold (more whole frames,
 * zero-length keep-alive frames, the start of another frame), never their content. What they hold is told when they
 * are at most {@link TRAILING_COUNTED} bytes (bounded work, whatever the body); more are counted by bytes only.
 */
function trailingFrames(rest: Buffer, frame: LengthHeader, headerBytes: number): Error {
  const refusal = (what: string): Error =>
    consoleError('ISO8583_ERR_CONSOLE_INPUT', `hex: ${rest.length} bytes after the first ${frame} frame${what}: decode one frame at a time`, 'hex');
  if (rest.length > TRAILING_COUNTED) return refusal('');
  const decoder = new FrameDecoder({ lengthHeader: frame, headerBytes });
  let more: number;
  try {
    more = decoder.push(rest).length;
  } catch {
    // A length header the codec refuses: more whole frames before it, then bytes that are not a frame.
    more = decoder.framesBeforeFailure.length;
  }
  const parts: string[] = [];
  if (more > 0) parts.push(plural(more, 'more whole frame'));
  if (decoder.keepAlives > 0) parts.push(plural(decoder.keepAlives, 'keep-alive frame'));
  if (decoder.failure !== undefined) parts.push('bytes that are not a frame');
  else if (decoder.bufferedBytes > 0) parts.push('the start of another frame');
  return refusal(` (${parts.join(', ')})`);
}

/** Decodes a workbench request against the offered `dialects`; every problem a coded error naming the field. */
export function decodeRequest(body: DecodeRequest, dialects: ReadonlyMap<string, Dialect>): Decoded {
  if (body === null || typeof body !== 'object') throw consoleError('ISO8583_ERR_CONSOLE_INPUT', 'the body must be a JSON object', 'body');
  const name = body.dialect === undefined ? [...dialects.keys()][0] : body.dialect;
  const dialect = typeof name === 'string' ? dialects.get(name) : undefined;
  if (dialect === undefined) {
    throw consoleError('ISO8583_ERR_CONSOLE_INPUT', `dialect: not one of ${[...dialects.keys()].join(', ')}`, 'dialect');
  }
  const frame = body.frame ?? 'none';
  if (typeof frame !== 'string' || !(FRAME_CHOICES as readonly string[]).includes(frame)) {
    throw consoleError('ISO8583_ERR_CONSOLE_INPUT', `frame: not one of ${FRAME_CHOICES.join(', ')}`, 'frame');
  }
  const headerBytes = body.headerBytes ?? 0;
  if (typeof headerBytes !== 'number' || !Number.isInteger(headerBytes) || headerBytes < 0 || headerBytes > 64) {
    throw consoleError('ISO8583_ERR_CONSOLE_INPUT', 'headerBytes: an integer from 0 to 64', 'headerBytes');
  }
  let bytes: Buffer = bytesOf(body.hex);
  const codec = createCodec(dialect);
  let header: Buffer = Buffer.alloc(0);
  if (frame !== 'none') {
    const first = firstFrame(bytes, frame as LengthHeader, headerBytes);
    if (first === undefined) throw consoleError('ISO8583_ERR_CONSOLE_INPUT', `hex: no whole ${frame} frame (${bytes.length} bytes)`, 'hex');
    // Bytes after the first frame (further frames, zero-length keep-alive frames, a partial one) are refused, never
    // dropped: one message at a time, as the codec refuses bytes after the last field of an unframed image
    // (ISO8583_ERR_TRAILING_BYTES). Keep-alives before the first frame are skipped, as a connection skips them.
    if (first.end < bytes.length) throw trailingFrames(bytes.subarray(first.end), frame as LengthHeader, headerBytes);
    header = Buffer.from(first.header);
    bytes = Buffer.from(first.payload);
  } else if (headerBytes > 0) {
    if (bytes.length <= headerBytes) throw consoleError('ISO8583_ERR_CONSOLE_INPUT', `hex: not longer than headerBytes (${headerBytes})`, 'hex');
    header = bytes.subarray(0, headerBytes);
    bytes = bytes.subarray(headerBytes);
  }
  const decoded = codec.decode(bytes);
  if (header.length === 0 && decoded.header.length > 0) header = Buffer.from(decoded.header);
  const label = [...dialects.entries()].find(([, d]) => d === dialect)?.[0] ?? dialect.name;
  // A header holds whatever a peer put there: a card number in it masked, as describe shows it.
  return { dialect: label, header: maskHeader(header.toString('hex').toUpperCase()), fields: fieldRows(decoded.message, dialect) };
}
