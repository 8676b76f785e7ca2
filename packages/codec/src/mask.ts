import type { Dialect, FieldSpec, IsoMessage, MessageInput, Sensitivity } from './types.js';
import { resolveDialect } from './dialect/resolve.js';
import { describableTlv } from './emv/describable.js';
import { messageArgument, textArgument } from './arguments.js';
import { maskFreeText } from './free-text.js';
import { maskPan } from './pan.js';

/*
 * Card data never reaches a log: the PAN is shown as at most its first 6 and last 4 digits (the most PCI DSS allows;
 * fewer for a short PAN), track data up to the separator with the PAN part masked, PIN blocks, CVV and other secrets
 * as stars, and EMV data (field 55) as its list of tags without values (the PAN's own rules: pan.ts). A field that no
 * one marked (a private field such as 48, 62 or 126) has every run of digits that could be a PAN masked, and the track
 * data after one hidden (maskDigitRuns, digit-runs.ts): the last guard for card data in free text. Numbers written as
 * the hex of ASCII or EBCDIC bytes (`F4F7F6F1...`: a binary field, or a hex dump in a text field) are read by the same
 * rule (hex-runs.ts).
 */

/** The non-sensitive keys of a message for a log line: MTI, STAN (11), terminal (41), response code (39). */
export interface MessageSummary {
  /** The message type indicator (field 0). */
  mti?: string;
  /** The systems trace audit number (field 11). */
  stan?: string;
  /** The card acceptor terminal identification (field 41). */
  terminal?: string;
  /** The response code (field 39). */
  responseCode?: string;
}

/**
 * The sensitivity of the fields of ISO 8583 that carry card data, used for the fields that a dialect does not mark
 * with `FieldSpec.sensitive`: 2 PAN, 34 PAN extended, 35 track 2, 36 track 3, 45 track 1, 52 PIN data, 53 security
 * related control information (the PIN key data that travels with the PIN block), 55 ICC (EMV) data. The one list:
 * every part that masks (describe, maskMessage, the inbound endpoint's logs) reads it through {@link sensitiveFields}.
 */
export const DEFAULT_SENSITIVE_FIELDS: Readonly<Record<string, Sensitivity>> = {
  '2': 'pan',
  '34': 'pan',
  '35': 'track',
  '36': 'track',
  '45': 'track',
  '52': 'pin',
  '53': 'secret',
  '55': 'emv',
};

/** Leading sentinels or format code (`;`, `%B`, `B`), the PAN digits, and the field separator (`=`, `D` or `^`). */
const TRACK = /^([^0-9]{0,2})([0-9]{1,19})([=D^])/;

/**
 * The PAN in track 1, 2 or 3 data (fields 45, 35, 36): the 1 to 19 digits after at most two leading characters (the
 * start sentinel `;`, the format code `B` of track 1, or both: `%B`) and before the field separator (`=`, `D` or
 * `^`): `trackPan(';4111111111111111=2512101?')` is `'4111111111111111'`. `undefined` when the data has no such PAN
 * and separator. The PAN comes back in full: mask it ({@link maskPan}) before it goes to a log or a record.
 */
export function trackPan(track: string): string | undefined {
  textArgument(track, 'track');
  return TRACK.exec(track)?.[2];
}

/**
 * Track 1, 2 or 3 data with the PAN part masked as by {@link maskPan} and everything after the separator (expiry,
 * service code, discretionary data, CVV, name) replaced by stars: `411111******1111=********************`. Data
 * without a recognisable PAN and separator (see {@link trackPan}) is replaced by stars entirely.
 */
export function maskTrack(track: string): string {
  textArgument(track, 'track');
  const match = TRACK.exec(track);
  if (match === null) return '*'.repeat(track.length);
  const [head, prefix, pan, separator] = match as unknown as [string, string, string, string];
  return prefix + maskPan(pan) + separator + '*'.repeat(track.length - head.length);
}

/**
 * The tags of EMV data without their values (`EMV[9F26 9F27 ...]`) when they read without doubt (`describableTlv`),
 * else its size (`EMV[26 bytes]`): after a wrong length a "tag" would be value bytes, such as two PAN digits.
 */
export function maskEmv(data: string): string {
  textArgument(data, 'data');
  const items = describableTlv(data);
  return items === undefined ? `EMV[${Math.floor(data.length / 2)} bytes]` : `EMV[${items.map((item) => item.tag).join(' ')}]`;
}

/** A value of digits only (a PAN as it should be). */
const ALL_DIGITS = /^[0-9]*$/;

/** The first track field separator (`=`, `D`, `d` or `^`) in a value, or -1. */
const TRACK_SEPARATOR = /[=Dd^]/;

/**
 * A PAN field's value that is not all digits and that {@link TRACK} does not read as track data (`d` as separator,
 * spaces in the PAN, a PAN part over 19 digits): the part before the first track separator masked as a PAN, the
 * separator kept (as {@link maskTrack} keeps it, so masking twice changes nothing) and everything after it (expiry,
 * discretionary data) hidden.
 */
function panBeforeTrack(value: string): string {
  const cut = value.search(TRACK_SEPARATOR);
  return cut === -1 ? maskPan(value) : maskPan(value.slice(0, cut)) + value[cut]! + '*'.repeat(value.length - cut - 1);
}

/**
 * A value masked for its sensitivity. A PAN field that holds track data (`4111111111111111=2512101...`: field 2 read
 * leniently, a peer that put track 2 there) is masked as track data ({@link maskTrack}): as a PAN its last 4 shown
 * would be the last 4 of the discretionary data; any other PAN value that is not all digits has everything after its
 * first track separator (`=`, `D`, `d`, `^`) hidden. A sensitivity that is none of the known ones (a dialect that skipped
 * the checks: `sensitive: "PAN"`) hides the value entirely, as a secret.
 */
export function maskValue(value: string, sensitivity: Sensitivity): string {
  textArgument(value, 'value');
  switch (sensitivity) {
    case 'pan':
      if (TRACK.test(value)) return maskTrack(value);
      return ALL_DIGITS.test(value) ? maskPan(value) : panBeforeTrack(value);
    case 'track':
      return maskTrack(value);
    case 'emv':
      return maskEmv(value);
    default:
      return '*'.repeat(value.length);
  }
}

/** Whether a value fits its field: no longer than it allows (two hex characters a byte), digits for `n`, a sign and digits for `xn`. */
function fitsField(value: string, spec: FieldSpec): boolean {
  const hexForm = spec.encoding === 'binary' || spec.encoding === 'hex' || spec.encoding === 'ebcdic-hex';
  if (value.length > spec.length * (hexForm ? 2 : 1)) return false;
  if (spec.type === 'n') return /^[0-9]*$/.test(value);
  return spec.type !== 'xn' || /^[CD]?[0-9]*$/.test(value);
}

/**
 * The most digits of a numeric (or binary, as hex digits) field shown as it is: amounts (4, n12), dates and times
 * (12, n12 in 1993). A longer one can hold a whole PAN (13 to 19 digits: totals 86-89 n16, 30 n24 in 1993, a MAC 64
 * b8 as 16 hex digits), so its digit runs are masked.
 */
const LONGEST_NUMBER_SHOWN = 12;

/**
 * The most characters of a fixed-length text key shown as it is: the retrieval reference 37 (an 12), the terminal 41
 * (ans 8), the merchant 42 (ans 15, the longest key of ISO 8583; merchant numbers of 15 digits are common). A longer
 * fixed text field (a dialect's own ans 16 terminal or card reference) can hold a whole PAN of 16 to 19 digits, so its
 * digit runs are masked.
 */
const LONGEST_KEY_SHOWN = 15;

/**
 * A field value as a log may show it: masked for its sensitivity when it has one; else, when it may be free text,
 * with its PAN-shaped digit runs masked ({@link maskDigitRuns}). Shown as it is, when the value fits its field: a
 * numeric field (`n`, `xn`: amounts, dates, codes) or a binary one of up to {@link LONGEST_NUMBER_SHOWN} digits, and a
 * fixed-length text key of up to {@link LONGEST_KEY_SHOWN} characters (37, 41, 42). Free text is everything else: a
 * longer numeric or binary field, a variable text field, a field the dialect does not define, and a value that does
 * not fit its field (longer than it allows, or not digits in an `n` field: a peer's or a sequence's mistake, which may
 * be a PAN in field 39 or 41). The numbers that free text spells as the hex of ASCII or EBCDIC bytes (a binary
 * field's; a hex dump in a text field, its byte pairs apart or not, inside words or not) are masked by the same rule
 * ({@link maskFreeText}).
 */
export function maskFieldValue(value: string, sensitivity: Sensitivity | undefined, spec: FieldSpec | undefined): string {
  if (sensitivity !== undefined) return maskValue(value, sensitivity);
  if (spec === undefined) return maskFreeText(value);
  const hexForm = spec.encoding === 'binary' || spec.encoding === 'hex' || spec.encoding === 'ebcdic-hex';
  const shown = spec.type === 'n' || spec.type === 'xn' || hexForm
    ? spec.length * (hexForm ? 2 : 1) <= LONGEST_NUMBER_SHOWN
    : spec.prefix === undefined && spec.length <= LONGEST_KEY_SHOWN;
  if (shown && fitsField(value, spec)) return value;
  return maskFreeText(value);
}

/** The sensitivity of every field (and sub-field, as `127.2`) of a dialect. */
type SensitivityMap = ReadonlyMap<string, Sensitivity>;

const MAPS = new WeakMap<Dialect, SensitivityMap>();

function collect(fields: Record<string, FieldSpec>, prefix: string, out: Map<string, Sensitivity>): void {
  for (const [id, spec] of Object.entries(fields)) {
    if (spec.sensitive !== undefined) out.set(prefix + id, spec.sensitive);
    if (spec.subfields !== undefined) collect(spec.subfields.fields, `${prefix}${id}.`, out);
  }
}

/**
 * The sensitive fields of a dialect: those marked with `FieldSpec.sensitive`, plus {@link DEFAULT_SENSITIVE_FIELDS}
 * for the standard field numbers that the dialect does not mark (so a dialect without marks, or with marks on some
 * fields only, still never shows a PAN, track, PIN block or EMV data). A mark in the dialect wins for its field.
 */
export function sensitiveFields(dialect: Dialect): SensitivityMap {
  let map = MAPS.get(dialect);
  if (map === undefined) {
    const marked = new Map<string, Sensitivity>(Object.entries(DEFAULT_SENSITIVE_FIELDS));
    collect(dialect.fields, '', marked);
    map = marked;
    MAPS.set(dialect, map);
  }
  return map;
}

/**
 * Whether a field's value is a composite field's sub-fields, to be masked one by one: an object whose prototype is
 * `Object.prototype` or none (what unpack, JSON and the views make). Any other object is no message: a `Buffer` or
 * another typed array, an array, a boxed string hold a value element by element (a PAN's bytes `52`, `49`, ... or
 * its digits), which masking each element alone would show; such a value is hidden whole. The one rule of what a
 * mask walks into as sub-fields (`describe`, `maskMessage`, and the masks of other tools, such as the `iso8583`
 * command's traces).
 */
export function isSubfieldObject(value: unknown): value is IsoMessage {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A field number as a message keys it: 1 to 3 digits (`0` to `192`). */
const FIELD_KEY = /^[0-9]{1,3}$/;

/**
 * True when `key` is a field number as a message keys it: 1 to 3 digits (`0`, `2`, `127`; a sub-field's key inside its
 * composite field too). Any other key, `header` or one no dialect defines (a caller's mistake, `{ [pan]: ... }`, a
 * 16-digit key), is not a field: the one rule of which keys the masks ({@link maskKey}) and the `iso8583` console show
 * as they are.
 */
export function isFieldKey(key: string): boolean {
  return FIELD_KEY.test(key);
}

/**
 * A message's key as a log may show it: a field number ({@link isFieldKey}) or `header` as it is; any other key (one
 * that no dialect defines: a caller's mistake, `{ [pan]: ... }`) masked as free text ({@link maskFreeText}), as a
 * value of a field the dialect does not define is.
 */
export function maskKey(key: string): string {
  return isFieldKey(key) || key === 'header' ? key : maskFreeText(key);
}

function maskInto(message: IsoMessage, fields: Record<string, FieldSpec> | undefined, map: SensitivityMap, prefix: string): IsoMessage {
  const out: IsoMessage = {};
  for (const [id, value] of Object.entries(message)) {
    const sensitivity = map.get(prefix + id);
    const spec = fields?.[id];
    const key = maskKey(id);
    if (typeof value === 'string') out[key] = maskFieldValue(value, sensitivity, spec);
    else if (typeof value === 'number' || typeof value === 'bigint') out[key] = maskFieldValue(String(value), sensitivity, spec);
    else if (sensitivity !== undefined || !isSubfieldObject(value)) out[key] = '*';
    else out[key] = maskInto(value, spec?.subfields?.fields, map, `${prefix}${id}.`);
  }
  return out;
}

/**
 * A log-safe copy of a message: every sensitive field of the dialect (default `iso87ascii`) masked with
 * {@link maskValue}, every other text field with its PAN-shaped digit runs masked ({@link maskFieldValue}); a
 * composite field marked sensitive as a whole, or a value that is neither text, a number nor an object of sub-fields
 * (a `Buffer`, an array, `null`), becomes `*`; a key that is not a field number has its PAN-shaped digit runs
 * masked too. The message itself is not
 * changed. Throws `ISO8583_ERR_OPTION` when `message` is not an object.
 */
export function maskMessage(message: IsoMessage, dialect: Dialect | string = 'iso87ascii'): IsoMessage {
  messageArgument(message);
  const resolved = resolveDialect(dialect);
  return maskInto(message, resolved.fields, sensitiveFields(resolved), '');
}

/** The length of field 41 (ans 8), the longest of the summary's keys: a value up to it is shown as it is. */
const TERMINAL_LENGTH = 8;

/**
 * The keys of a message that are safe to log: MTI (0), STAN (11), terminal (41) and response code (39), each a string
 * when the message has it. A value longer than 8 characters (longer than ISO 8583 allows any of them: a dialect's own
 * `ans 16` field 41, a sequence's reply that did not pack) is masked as free text ({@link maskFreeText}: its
 * PAN-shaped digit runs, and the numbers it spells as the hex of ASCII or EBCDIC bytes): a PAN given as field 41 shows
 * `476173******0010`, its EBCDIC hex `F4F7F6F1F7F3************F0F0F1F0`. Throws `ISO8583_ERR_OPTION` when `message` is
 * not an object (`null`, text, bytes), as {@link maskMessage} does. A message to send (`MessageInput`, as `fromObject`
 * gives it) is summarized the same: a key whose value is not a string is left out.
 */
export function summarize(message: IsoMessage | MessageInput): MessageSummary {
  messageArgument(message);
  const out: MessageSummary = {};
  const shown = (value: string): string => (value.length <= TERMINAL_LENGTH ? value : maskFreeText(value));
  if (typeof message['0'] === 'string') out.mti = shown(message['0']);
  if (typeof message['11'] === 'string') out.stan = shown(message['11']);
  if (typeof message['41'] === 'string') out.terminal = shown(message['41']);
  if (typeof message['39'] === 'string') out.responseCode = shown(message['39']);
  return out;
}
