import type { IsoMessage, MessageInput } from '../types.js';
import type { FieldProblem } from '../errors.js';
import { Iso8583Error, MAX_PROBLEMS_IN_TEXT, codecError, invalidMessage } from '../errors.js';
import type { EmvTags } from '../emv/tags.js';
import { emvFromTags, emvToTags } from '../emv/tags.js';
import { MAX_TLV_DEPTH } from '../emv/tlv.js';
import { safeName } from './names.js';
import { INEXACT_NUMBER_REASON, TOO_BIG_NUMBER_REASON, scanRepeatedKeys } from './json-keys.js';
import { valueText } from './value-text.js';
import { bytesArgument, messageArgument, optionsArgument } from '../arguments.js';

/*
 * The JSON view is the message object itself (DESIGN "Message model"): an object keyed by field number, values as
 * strings, `"0"` the MTI, a composite field as a nested object (with its fixed header under `"header"` as hex).
 * The message header (the dialect's bytes before the MTI, the `<header>` of the XML view) is a top-level `"header"`
 * in uppercase hex, written with `toJson`'s `header` option and read back by `readJson` (and `readMessage`).
 * On input, a number is accepted for any field (`"4": 1000`, `"41": 992468`): its decimal text, padded by the codec
 * on pack as the field's type pads; a 3-digit MTI (`"0": "800"`, as SocketQueue clients send it) is read as `0800`.
 */

/** Options of the JSON view. */
export interface JsonOptions {
  /**
   * EMV view of field 55: on output, field 55 as an object of tags (`{"9F26": "571F...", "70": {...}}`) instead of
   * its hex (hex stays when it is not valid BER-TLV or repeats a tag); on input, field 55 given as such an object is
   * built into BER-TLV hex. Default `false`: field 55 is hex text, and an object there is refused.
   */
  emv?: boolean;
  /** Indentation of the JSON text (as `JSON.stringify`'s third argument). Default: none (one line). */
  indent?: number | string;
  /**
   * `toJson` only: the message header (raw bytes before the MTI), written as a top-level `"header"` in uppercase hex
   * after the fields. Default: no `"header"` key (nor for an empty one).
   */
  header?: Uint8Array;
}

/** What {@link readJson} reads: the fields, and the message header when the JSON has one. */
export interface JsonMessage {
  /** The fields, as {@link fromObject} returns them. */
  message: MessageInput;
  /**
   * The bytes of the top-level `"header"` (hex), when given. Pack with it (`codec.pack(message, { header })`), which
   * refuses a header of another length than the dialect's `headerLength` (`ISO8583_ERR_HEADER`). Absent: pack fills
   * the header with zeros, as for a message without one.
   */
  header?: Buffer;
}

const FIELD_ID = /^(0|[1-9][0-9]{0,2})$/;
const HEX_BYTES = /^([0-9A-Fa-f]{2})*$/;
const MAX_DEPTH = 4;

function byNumber(a: string, b: string): number {
  return Number(a) - Number(b);
}

type JsonValue = string | { [key: string]: JsonValue } | EmvTags;

function toPlain(message: IsoMessage, path: string, depth: number, options: JsonOptions, problems: FieldProblem[]) {
  const out: { [key: string]: JsonValue } = {};
  const ids: string[] = [];
  for (const id of Object.keys(message)) {
    if (depth > 0 && id === 'header') continue;
    if (!FIELD_ID.test(id)) {
      problems.push({ field: path + safeName(id), code: 'ISO8583_ERR_FIELD_ID', reason: 'not a field number' });
    } else if (!(id === '1' && depth === 0)) {
      ids.push(id);
    }
  }
  if (depth > 0 && message.header !== undefined) {
    // As the XML view does: a composite header that is not hex is named, not dropped (nor written for fromJson to refuse).
    const header: unknown = message.header;
    if (typeof header === 'string' && HEX_BYTES.test(header)) out.header = header.toUpperCase();
    else problems.push({ field: `${path}header`, code: 'ISO8583_ERR_HEADER', reason: 'a composite header must be hex' });
  }
  for (const id of ids.sort(byNumber)) {
    const value = message[id] as unknown;
    const field = path + id;
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
      // A number as pack takes it: `String` of one past 2^53 loses its last digits (fromJson then refuses it).
      const text = valueText(value, field, problems);
      if (text === undefined) continue;
      const tags = options.emv === true && depth === 0 && id === '55' ? emvToTags(text) : undefined;
      out[id] = tags !== undefined && Object.keys(tags).length > 0 ? tags : text;
    } else if (typeof value === 'object' && !Array.isArray(value) && depth < MAX_DEPTH) {
      out[id] = toPlain(value as IsoMessage, `${field}.`, depth + 1, options, problems);
    } else {
      problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: 'not a field value' });
    }
  }
  return out;
}

/**
 * The JSON text of a message: one object keyed by field number with string values, in ascending order (field 1,
 * the bitmap, left out), then the message header as `"header"` (hex) when `options.header` is given. Throws
 * `ISO8583_ERR_INVALID_MESSAGE` naming every key that is not a field number and every value that is not text or a
 * composite.
 */
export function toJson(message: IsoMessage, options?: JsonOptions): string {
  messageArgument(message);
  options = optionsArgument(options);
  const problems: FieldProblem[] = [];
  const plain = toPlain(message, '', 0, options, problems);
  if (problems.length > 0) throw invalidMessage(problems, 'message for JSON');
  if (options.header !== undefined) {
    bytesArgument(options.header, 'header');
    // After the fields: JSON.stringify lists the integer-like keys first whatever the order they were set in.
    if (options.header.length > 0) plain.header = Buffer.from(options.header).toString('hex').toUpperCase();
  }
  return JSON.stringify(plain, null, options.indent);
}

function readValue(
  value: unknown,
  id: string,
  field: string,
  depth: number,
  options: JsonOptions,
  problems: FieldProblem[],
): MessageInput[string] | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'bigint':
      return value < 0n ? problem(problems, field, 'a negative number') : value;
    case 'number':
      if (!Number.isInteger(value)) return problem(problems, field, 'a number that is not a whole number');
      if (value < 0) return problem(problems, field, 'a negative number');
      if (!Number.isSafeInteger(value)) {
        return problem(problems, field, TOO_BIG_NUMBER_REASON);
      }
      return value;
    case 'object':
      if (value === null) return undefined;
      if (Array.isArray(value)) return problem(problems, field, 'an array is not a field value');
      if (options.emv === true && depth === 0 && id === '55') {
        try {
          return emvFromTags(value as EmvTags, field);
        } catch (err) {
          problems.push({
            field,
            code: 'ISO8583_ERR_TLV',
            reason: err instanceof Iso8583Error ? err.message : 'invalid EMV data',
          });
          return undefined;
        }
      }
      if (depth >= MAX_DEPTH) return problem(problems, field, 'composite fields nested too deep');
      return readObject(value as Record<string, unknown>, `${field}.`, depth + 1, options, problems);
    default:
      return problem(problems, field, `a ${typeof value} is not a field value`);
  }
}

/**
 * The MTI as SocketQueue clients send it: four digits, or three (`"800"`, `800`: the leading zero of the 1987
 * version digit dropped) read as `0800`. Anything else is kept for the codec to refuse with ISO8583_ERR_MTI.
 */
function readMti(value: unknown, problems: FieldProblem[]): MessageInput[string] {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 9999) return String(value).padStart(4, '0');
  if (typeof value === 'string' && /^\d{3}$/.test(value)) return `0${value}`;
  return readValue(value, '0', '0', 0, {}, problems) ?? '';
}

/** The top-level `"header"`: hex text (`null`: none) into `top`; refused where no `top` is given. Never quoted. */
function readHeader(value: unknown, top: TopHeader | undefined, problems: FieldProblem[]): void {
  if (value === null) return;
  if (top === undefined) {
    problems.push({
      field: 'header',
      code: 'ISO8583_ERR_HEADER',
      reason: 'a message header is not taken with the fields here (readJson and readMessage read it)',
    });
  } else if (typeof value === 'string' && HEX_BYTES.test(value)) {
    top.bytes = Buffer.from(value, 'hex');
  } else {
    problems.push({ field: 'header', code: 'ISO8583_ERR_HEADER', reason: 'the message header must be hex text (two digits a byte)' });
  }
}

function problem(problems: FieldProblem[], field: string, reason: string): undefined {
  problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason });
  return undefined;
}

/** Where the top-level `"header"` goes: `bytes` once read; `undefined` refuses one (fromJson, fromObject). */
interface TopHeader {
  bytes?: Buffer;
}

function readObject(
  input: Record<string, unknown>,
  path: string,
  depth: number,
  options: JsonOptions,
  problems: FieldProblem[],
  top?: TopHeader,
): MessageInput {
  const out: MessageInput = {};
  for (const [key, value] of Object.entries(input)) {
    if (depth > 0 && key === 'header') {
      if (typeof value === 'string' && HEX_BYTES.test(value)) out.header = value.toUpperCase();
      else problems.push({ field: `${path}header`, code: 'ISO8583_ERR_HEADER', reason: 'a composite header must be hex' });
      continue;
    }
    if (depth === 0 && key === 'header') {
      readHeader(value, top, problems);
      continue;
    }
    if (!FIELD_ID.test(key)) {
      problems.push({ field: path + safeName(key), code: 'ISO8583_ERR_FIELD_ID', reason: 'not a field number' });
      continue;
    }
    if (depth === 0 && key === '1') continue;
    if (depth === 0 && key === '0') {
      out[key] = readMti(value, problems);
      continue;
    }
    const read = readValue(value, key, path + key, depth, options, problems);
    if (read !== undefined) out[key] = read;
  }
  return out;
}

/** `input` read as a message object: its fields, and its top-level header into `top` when given. */
function readTop(input: unknown, options: JsonOptions | undefined, top?: TopHeader, problems: FieldProblem[] = []): MessageInput {
  options = optionsArgument(options);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw codecError('ISO8583_ERR_JSON', 'a message must be an object keyed by field number');
  }
  const fromText = problems.length;
  const message = readObject(input as Record<string, unknown>, '', 0, options, problems, top);
  // A value the text named already (`25.5`: written with a decimal point) is not named again as read (not whole).
  const told = new Set(problems.slice(0, fromText).filter((p) => p.code === 'ISO8583_ERR_FIELD_VALUE').map((p) => p.field));
  const all = told.size === 0 ? problems : problems.filter((p, at) => at < fromText || p.code !== 'ISO8583_ERR_FIELD_VALUE' || !told.has(p.field));
  if (all.length > 0) throw invalidMessage(all, 'JSON message');
  return message;
}

/** JSON text parsed; the parser's own message is never shown (it quotes the input). */
function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') throw codecError('ISO8583_ERR_JSON', 'the JSON input must be text');
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the input: it is left out (and not attached as the cause).
    throw codecError('ISO8583_ERR_JSON', 'the input is not valid JSON');
  }
}

/**
 * The keys `text` gives twice in one object, as problems (JSON.parse keeps the last silently: a repeated amount
 * would be sent with its second value), then the values written as numbers with a decimal point, an exponent or as
 * `-0` (`ISO8583_ERR_FIELD_VALUE`, `INEXACT_NUMBER_REASON`: JSON.parse reads `25.00` as 25). Repeats are worded as the XML reader words a repeated field or header. Looked for only
 * where the reader reads (objects nested up to {@link MAX_DEPTH} composites deep, or field 55's EMV templates up to
 * `MAX_TLV_DEPTH` deep under `{ emv: true }`: deeper nesting is refused by the reader itself), the first
 * {@link MAX_PROBLEMS_IN_TEXT} named and the last of them saying how many more there are,
 * so that a hostile text costs linear time and makes a short error.
 */
function textProblems(text: string): FieldProblem[] {
  const scan = scanRepeatedKeys(text, MAX_PROBLEMS_IN_TEXT, MAX_DEPTH + 1 + MAX_TLV_DEPTH);
  const named = (keys: string[]): string => keys.map((k) => (FIELD_ID.test(k) ? k : safeName(k))).join('.');
  const repeats = scan.named.map((keys, at): FieldProblem => {
    const field = named(keys);
    const more = at === scan.named.length - 1 && scan.count > scan.named.length ? `; and ${scan.count - scan.named.length} more keys given twice` : '';
    return keys[keys.length - 1] === 'header'
      ? { field, code: 'ISO8583_ERR_HEADER', reason: `the header is given twice${more}` }
      : { field, code: 'ISO8583_ERR_FIELD_ID', reason: `the field is given twice${more}` };
  });
  // `"4": 25.00` parses as 25 (sent as 25 minor units): the text says what the parsed value no longer can.
  const inexact = scan.inexact.map((keys): FieldProblem => ({ field: named(keys), code: 'ISO8583_ERR_FIELD_VALUE', reason: INEXACT_NUMBER_REASON }));
  return [...repeats, ...inexact];
}

/**
 * Checks a message given as an object (keys field numbers, values strings, numbers, nested objects for composite
 * fields, `null` for absent) and returns a clean copy. Field 1 (the bitmap) is dropped. Throws
 * `ISO8583_ERR_JSON` when it is not an object, `ISO8583_ERR_INVALID_MESSAGE` naming every bad key and value, and a
 * top-level `"header"` (`ISO8583_ERR_HEADER`): the message header is read by {@link readJson}, never dropped here.
 */
export function fromObject(input: unknown, options?: JsonOptions): MessageInput {
  return readTop(input, options);
}

/**
 * Reads JSON text as a message input (see {@link fromObject}). Throws `ISO8583_ERR_JSON` for text that is not JSON
 * or not an object (the text is never quoted in the error), `ISO8583_ERR_INVALID_MESSAGE` naming every bad field,
 * every key given twice in one object (`ISO8583_ERR_FIELD_ID` "the field is given twice"; `ISO8583_ERR_HEADER`
 * for `"header"`), which `JSON.parse` alone would read as its last value, and every value written as a number with a
 * decimal point, an exponent or as `-0` (`ISO8583_ERR_FIELD_VALUE`: `JSON.parse` reads `"4": 25.00` as 25, an amount
 * of 25 minor units).
 */
export function fromJson(text: string, options: JsonOptions = {}): MessageInput {
  const input = parseJson(text);
  return readTop(input, options, undefined, textProblems(text));
}

/**
 * Reads a message in the JSON view, JSON text or the object parsed from it, with its message header: the fields as
 * {@link fromObject} reads them and the top-level `"header"` (hex, what `toJson` writes with its `header` option) as
 * bytes. The header is checked to be hex here (`ISO8583_ERR_HEADER` among the problems of
 * `ISO8583_ERR_INVALID_MESSAGE`, never quoting it) and its length by `pack`. Other errors as {@link fromJson}.
 */
export function readJson(input: string | object, options?: JsonOptions): JsonMessage {
  const top: TopHeader = {};
  const message = typeof input === 'string'
    ? readTop(parseJson(input), options, top, textProblems(input))
    : readTop(input, options, top);
  return top.bytes === undefined ? { message } : { message, header: top.bytes };
}
