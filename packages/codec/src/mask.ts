import type { Dialect, FieldSpec, IsoMessage, Sensitivity } from './types.js';
import { resolveDialect } from './dialect/resolve.js';
import { parseTlv } from './emv/tlv.js';

/*
 * Card data never reaches a log: the PAN is shown as its first 6 and last 4 digits (the most PCI DSS allows), track
 * data up to the separator with the PAN part masked, PIN blocks, CVV and other secrets as stars, and EMV data
 * (field 55) as its list of tags without values.
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
 * The sensitivity of the fields of ISO 8583:1987 that carry card data, used for dialects that mark none of their
 * fields with `FieldSpec.sensitive`: 2 PAN, 35 track 2, 36 track 3, 45 track 1, 52 PIN data, 55 ICC (EMV) data.
 */
export const DEFAULT_SENSITIVE_FIELDS: Readonly<Record<string, Sensitivity>> = {
  '2': 'pan',
  '35': 'track',
  '36': 'track',
  '45': 'track',
  '52': 'pin',
  '55': 'emv',
};

/** How many leading and trailing digits of a PAN a masked PAN shows: first 6 (the issuer's BIN), last 4. */
const PAN_HEAD = 6;
const PAN_TAIL = 4;

/**
 * The PAN shown as first 6 + last 4 digits (`411111******1111`). A value of 10 characters or fewer would show all
 * of them that way, so it is masked completely.
 */
export function maskPan(pan: string): string {
  return pan.length <= PAN_HEAD + PAN_TAIL
    ? '*'.repeat(pan.length)
    : pan.slice(0, PAN_HEAD) + '*'.repeat(pan.length - PAN_HEAD - PAN_TAIL) + pan.slice(-PAN_TAIL);
}

/**
 * True when `pan` is already masked as {@link maskPan} masks it, so that masking it again changes nothing
 * (`maskPan(pan) === pan`): stars between the first 6 and the last 4 characters (`411111******1111`), or stars only
 * for a value of 10 characters or fewer. What a store checks before it keeps a PAN it was given (without building the
 * masked copy). `'4111111111111111'` and `'4111**1111111111'` are not masked.
 */
export function isMaskedPan(pan: string): boolean {
  const short = pan.length <= PAN_HEAD + PAN_TAIL;
  const end = short ? pan.length : pan.length - PAN_TAIL;
  for (let i = short ? 0 : PAN_HEAD; i < end; i++) if (pan.charCodeAt(i) !== 0x2a /* '*' */) return false;
  return true;
}

/** Leading sentinels or format code (`;`, `%B`, `B`), the PAN digits, and the field separator (`=`, `D` or `^`). */
const TRACK = /^([^0-9]{0,2})([0-9]{1,19})([=D^])/;

/**
 * The PAN in track 1, 2 or 3 data (fields 45, 35, 36): the 1 to 19 digits after at most two leading characters (the
 * start sentinel `;`, the format code `B` of track 1, or both: `%B`) and before the field separator (`=`, `D` or
 * `^`): `trackPan(';4111111111111111=2512101?')` is `'4111111111111111'`. `undefined` when the data has no such PAN
 * and separator. The PAN comes back in full: mask it ({@link maskPan}) before it goes to a log or a record.
 */
export function trackPan(track: string): string | undefined {
  return TRACK.exec(track)?.[2];
}

/**
 * Track 1, 2 or 3 data with the PAN part masked as by {@link maskPan} and everything after the separator (expiry,
 * service code, discretionary data, CVV, name) replaced by stars: `411111******1111=********************`. Data
 * without a recognisable PAN and separator (see {@link trackPan}) is replaced by stars entirely.
 */
export function maskTrack(track: string): string {
  const match = TRACK.exec(track);
  if (match === null) return '*'.repeat(track.length);
  const [head, prefix, pan, separator] = match as unknown as [string, string, string, string];
  return prefix + maskPan(pan) + separator + '*'.repeat(track.length - head.length);
}

/** The tags of EMV data without their values (`EMV[9F26 9F27 ...]`), or its size when it is not valid TLV. */
export function maskEmv(data: string): string {
  try {
    return `EMV[${parseTlv(data)
      .map((item) => item.tag)
      .join(' ')}]`;
  } catch {
    return `EMV[${Math.floor(data.length / 2)} bytes]`;
  }
}

/** A value masked for its sensitivity. */
export function maskValue(value: string, sensitivity: Sensitivity): string {
  switch (sensitivity) {
    case 'pan':
      return maskPan(value);
    case 'track':
      return maskTrack(value);
    case 'emv':
      return maskEmv(value);
    case 'pin':
    case 'cvv':
    case 'secret':
      return '*'.repeat(value.length);
  }
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

function maskInto(message: IsoMessage, map: SensitivityMap, prefix: string): IsoMessage {
  const out: IsoMessage = {};
  for (const [id, value] of Object.entries(message)) {
    const sensitivity = map.get(prefix + id);
    if (typeof value === 'string') out[id] = sensitivity === undefined ? value : maskValue(value, sensitivity);
    else if (sensitivity !== undefined) out[id] = '*';
    else out[id] = maskInto(value, map, `${prefix}${id}.`);
  }
  return out;
}

/**
 * A log-safe copy of a message: every sensitive field of the dialect (default `iso87ascii`) masked with
 * {@link maskValue}; a composite field marked sensitive as a whole becomes `*`. The message itself is not changed.
 */
export function maskMessage(message: IsoMessage, dialect: Dialect | string = 'iso87ascii'): IsoMessage {
  return maskInto(message, sensitiveFields(resolveDialect(dialect)), '');
}

/** The keys of a message that are safe to log. */
export function summarize(message: IsoMessage): MessageSummary {
  const out: MessageSummary = {};
  if (typeof message['0'] === 'string') out.mti = message['0'];
  if (typeof message['11'] === 'string') out.stan = message['11'];
  if (typeof message['41'] === 'string') out.terminal = message['41'];
  if (typeof message['39'] === 'string') out.responseCode = message['39'];
  return out;
}
