import { format } from 'node:util';
import type { ChildLoggerOptions, Logger } from 'pino';
import { isFieldKey, maskFieldValue, maskValue, sensitiveFields, withoutBom } from '@iso8583/codec';
import type { Dialect, Sensitivity } from '@iso8583/codec';
import type { CardDataMask } from './card-data-mask.js';
import { MAX_DEPTH, defineValue } from './masked-copy.js';
import { freeTextMasked, maskedLooseJson } from './loose-json-mask.js';
import { isMaskedValue } from './masked-value.js';
import { fieldSpecAt, maskXml } from './xml-mask.js';
import { childSafely, logSafely } from './safe-log.js';

/*
 * The logger a sequence gets (`context.logger`) must not write the card data of its message, whatever the sequence
 * hands it: `{ fields: message.fields }`, `{ xml: message.xml }`, an error whose text carries field 52, a format
 * argument. Two layers:
 *  - the usual places of a message in a log record (`fields`, `response`, `xml`, ... at the top of the merging object
 *    or of a child's bindings: {@link maskedOwners}): each field's value is replaced by the codec's mask for its field,
 *    whatever message it came from; a document (XML or JSON text) there is read as one. Done by the masking logger,
 *    not by a pino `redact` of its own, which would replace the app's (its `password`, the `iso8583` command's paths);
 *  - per message, every argument of a log call (message text, format arguments, objects, errors) and what a line carries
 *    besides them (child bindings, bindings set later, a child's message prefix) is copied with each of the message's
 *    sensitive values masked wherever it appears in a string (see CardDataMask).
 */

/**
 * Where a field value usually sits in a log record (top level only, one look-up each on every line; deeper places are
 * covered by the per-message layer for the message's own values).
 */
const FIELD_OWNERS = ['fields', 'message', 'request', 'response', 'reply'];

/** What a value too deep to be read (a document nested past `MAX_DEPTH`) is logged as. */
const CUT = '[...]';
/** What a value whose masking failed is logged as: the log call goes on, without it (a log call never throws). */
const UNMASKABLE = '[unmaskable]';
/**
 * Keys at an owner's top that hold a message's bytes (the connector's relay result, an `EncodedReply`: `body`,
 * `header`): shown as their length, never their content (hex of field 55, the PIN block).
 */
const BYTE_KEYS = new Set(['body', 'header']);

/** Bytes under a {@link BYTE_KEYS} key as their length; the hex the per-message copy made of them too. */
function maskedBytes(value: unknown, dialect: Dialect, byId: ReadonlyMap<string, Sensitivity>, depth: number): unknown {
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (typeof value !== 'string') return maskedOwner(value, dialect, byId, depth);
  if (value.length % 2 === 0 && /^[0-9A-Fa-f*]*$/.test(value)) return `[${value.length / 2} bytes]`;
  return maskedText(value, dialect, byId, depth);
}

/** A field value at a redacted path, masked for its field (left as it is when the per-message layer masked it). */
function maskAt(value: unknown, sensitivity: Sensitivity): unknown {
  if (typeof value !== 'string') return value === undefined ? value : '[Redacted]';
  return isMaskedValue(value, sensitivity) ? value : maskValue(value, sensitivity);
}

/**
 * A value that may hold fields (an object of field numbers, as unpack, JSON and the views make, whatever its
 * prototype: a parsed `__proto__` key gives it another one; an array, field numbers as its indexes): read field by
 * field. A value with `toJSON` (a date) is logged as that shows it, and left as it is.
 */
function isFieldObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * The fields under one of {@link FIELD_OWNERS} (`{ fields: reply.fields }`), each as the codec shows it: a sensitive
 * field (`prefix` + its id in `byId`) masked for its field, any other one as `maskMessage` shows it (`maskFieldValue`:
 * a PAN in a private field 48 masked as free text, an amount or a STAN as it is), a composite field's sub-fields one
 * by one, `xml` at the owner's top masked as XML ({@link maskXml}), a nested owner there (`message` of the connector's
 * relay result or an `EncodedReply`, `fields` of `{ mti, fields }`) masked as an owner's value, `body` and `header`
 * bytes as their length. A key that is
 * no field number is left to the per-message layer, which masked every string already. Cut at `MAX_DEPTH` (`depth`:
 * how deep the value sits in the log record), as the per-message copy is.
 */
function maskedFields(value: unknown, dialect: Dialect, byId: ReadonlyMap<string, Sensitivity>, prefix: string, depth: number): unknown {
  if (!isFieldObject(value)) return value;
  if (depth >= MAX_DEPTH) return CUT;
  const out: object = Array.isArray(value) ? [] : {};
  const set = (key: string, field: unknown): void => defineValue(out, key, field);
  for (const [key, field] of Object.entries(value)) {
    if (prefix === '' && key === 'xml') {
      set(key, typeof field === 'string' ? maskXml(field, dialect) : field);
      continue;
    }
    if (prefix === '' && FIELD_OWNERS.includes(key) && (isFieldObject(field) || typeof field === 'string')) {
      set(key, maskedOwner(field, dialect, byId, depth + 1));
      continue;
    }
    if (prefix === '' && BYTE_KEYS.has(key) && field !== undefined && field !== null) {
      set(key, maskedBytes(field, dialect, byId, depth + 1));
      continue;
    }
    if (!isFieldKey(key)) {
      set(key, field);
      continue;
    }
    const id = prefix + key;
    const sensitivity = byId.get(id);
    if (sensitivity !== undefined) set(key, maskAt(field, sensitivity));
    else if (isFieldObject(field)) set(key, maskedFields(field, dialect, byId, `${id}.`, depth + 1));
    else if (typeof field === 'string') set(key, maskFieldValue(field, undefined, fieldSpecAt(dialect, id)));
    else if (typeof field === 'number' || typeof field === 'bigint') {
      const masked = maskFieldValue(String(field), undefined, fieldSpecAt(dialect, id));
      set(key, masked === String(field) ? field : masked);
    } else set(key, field);
  }
  return out;
}

/** Whether a string logged under a field owner is a document: XML (`<` first) or JSON text (`{` or `[` first). */
function documentKind(text: string): 'xml' | 'json' | undefined {
  const first = /\S/.exec(text)?.[0];
  return first === '<' ? 'xml' : first === '{' || first === '[' ? 'json' : undefined;
}

/**
 * A string under a field owner (`response: await bank.sendMessage(message.xml)`): XML masked as XML ({@link maskXml}),
 * JSON text (a leading byte order mark dropped) read and masked as an owner's value, then written back as JSON text
 * (cut at `MAX_DEPTH`); JSON that does not parse as one value (JSON lines, JSON then text) line by line, what does not
 * parse on the safe side (loose-json-mask.ts); anything else (plain text) masked as free text on the same safe side
 * (`freeTextMasked`: PAN-shaped digit runs, track data, and hex runs of 16 or more: a PIN block, a frame as hex).
 */
function maskedText(text: string, dialect: Dialect, byId: ReadonlyMap<string, Sensitivity>, depth: number): string {
  const kind = documentKind(text);
  if (kind === 'xml') return maskXml(text, dialect);
  if (kind === 'json') {
    const body = withoutBom(text);
    const document = (parsed: unknown): string => JSON.stringify(maskedOwner(parsed, dialect, byId, depth + 1));
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return maskedLooseJson(body, byId, document);
    }
    return document(parsed);
  }
  return freeTextMasked(text);
}

/**
 * The value of a field owner (`fields`, `message`, `request`, `response`, `reply`): an object read field by field
 * ({@link maskedFields}); a string as a document or free text ({@link maskedText}); an array field by field, its
 * indexes as field numbers, except its items that are messages themselves (objects, documents: `response: [answer]`),
 * each masked as an owner's value.
 */
function maskedOwner(value: unknown, dialect: Dialect, byId: ReadonlyMap<string, Sensitivity>, depth: number): unknown {
  if (depth >= MAX_DEPTH) return CUT;
  if (typeof value === 'string') return maskedText(value, dialect, byId, depth);
  const out = maskedFields(value, dialect, byId, '', depth);
  if (!Array.isArray(value) || !Array.isArray(out)) return out;
  value.forEach((item: unknown, i) => {
    if (isFieldObject(item) || (typeof item === 'string' && documentKind(item) !== undefined)) out[i] = maskedOwner(item, dialect, byId, depth + 1);
  });
  return out;
}

/**
 * A log record's top-level keys that hold a message, masked for any message (the per-message layer masks only the
 * values of the sequence's own): each of {@link FIELD_OWNERS} read as an owner's value ({@link maskedOwner}: the
 * sensitive fields of the dialect masked for their field, every other field as the codec shows it, documents read as
 * documents), and `xml` masked as XML. Applied by the masking logger to the merging object of each call and to the
 * bindings of a child, so that the logger's own redaction (`redact` of the app's pino, the `iso8583` command's) stays
 * as it is: a pino child's `redact` would replace it.
 */
export function maskedOwners(record: Record<string, unknown>, dialect: Dialect): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  const byId = sensitiveFields(dialect);
  const set = (key: string, value: unknown): void => {
    out ??= { ...record };
    defineValue(out, key, value);
  };
  if (typeof record.xml === 'string' && Object.prototype.hasOwnProperty.call(record, 'xml')) set('xml', unmaskable(() => maskXml(record.xml as string, dialect)));
  for (const key of FIELD_OWNERS) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    const value = record[key];
    if (value !== undefined && value !== null) set(key, unmaskable(() => maskedOwner(value, dialect, byId, 1)));
  }
  return out ?? record;
}

/** What `mask` gives, or {@link UNMASKABLE} when it throws (a value no mask can read): a log call never throws. */
function unmaskable<T>(mask: () => T): T | string {
  try {
    return mask();
  } catch {
    return UNMASKABLE;
  }
}

/**
 * A log call's merging object copied through `mask`; when that throws (a getter of one of its values throws), key by
 * key, a value no mask can read logged as {@link UNMASKABLE}, the others as ever, so that the line keeps its message.
 */
function maskedMerging(record: Record<string, unknown>, mask: CardDataMask): unknown {
  try {
    return mask.value(record);
  } catch {
    let keys: string[];
    try {
      keys = Object.keys(record);
    } catch {
      return { merging: UNMASKABLE }; // A revoked Proxy: nothing of it can be read.
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) defineValue(out, mask.text(key), unmaskable(() => mask.value(record[key])));
    return out;
  }
}

/** A log call's merging object (its first argument when that is a plain object): what pino merges into the line. */
function isMergingObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Error);
}

const LEVEL_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/**
 * A log call's arguments with the message formatted first when it has interpolation arguments (`info('card %s %s',
 * a, b)`, with or without a merging object before it): pino joins them only after they are masked one by one, so a
 * card number passed in pieces would be whole in the line. Node's `util.format` makes the message.
 */
function formatted(args: unknown[]): unknown[] {
  const at = typeof args[0] === 'string' ? 0 : typeof args[1] === 'string' ? 1 : -1;
  if (at < 0 || args.length <= at + 1) return args;
  return [...args.slice(0, at), format(...args.slice(at))];
}

/** A child's options with its message prefix (written on every line of the child) masked. */
function maskedChildOptions(options: ChildLoggerOptions | undefined, mask: CardDataMask): ChildLoggerOptions | undefined {
  return typeof options?.msgPrefix === 'string' ? { ...options, msgPrefix: mask.text(options.msgPrefix) } : options;
}

/**
 * `logger` with every argument of every log call, and what goes on every later line (the bindings of `child` and
 * `setBindings`, a child's `msgPrefix`), copied through `mask` first (a function: the mask made at each line), the message formatted first when it has
 * interpolation arguments; also when the message carried no card data (numbers in groups are masked whatever message
 * they came from). Then the merging object's and the bindings' field owners are masked for any message of `dialect`
 * ({@link maskedOwners}). Everything else (level, flush, the logger's own `redact` and serializers) is the logger's
 * own. A logger without pino's `isLevelEnabled` and `levels` (a bunyan-shaped one) is called for every line of the six
 * standard levels. A log call, `child` and `setBindings` never throw: a logger that throws loses its line
 * (`logSafely`, as the endpoint's own lines), a child it cannot make is the logger itself (`childSafely`).
 */
export function maskingLogger(logger: Logger, mask: CardDataMask | (() => CardDataMask), dialect: Dialect): Logger {
  // A function: the mask made at each line (card data the sequence put into its message since is masked too).
  const current = (): CardDataMask => (typeof mask === 'function' ? mask() : mask);
  const masked = (bindings: Record<string, unknown>): Record<string, unknown> => {
    const now = current();
    const copy = unmaskable(() => now.value(bindings));
    if (typeof copy === 'string' && copy === UNMASKABLE) return { bindings: UNMASKABLE };
    return isMergingObject(copy) ? maskedOwners(copy, dialect) : (copy as Record<string, unknown>);
  };
  return new Proxy(logger, {
    get(target, property, receiver) {
      // A logger that throws (a destination that fails, a custom logger) never throws into the sequence: the line
      // is lost (logSafely), a child that cannot be made is this logger without its bindings (childSafely).
      if (property === 'child') {
        return (bindings: Record<string, unknown>, options?: ChildLoggerOptions) =>
          maskingLogger(childSafely(target, masked(bindings), maskedChildOptions(options, current())), mask, dialect);
      }
      if (property === 'setBindings') {
        return (bindings: Record<string, unknown>) => logSafely(() => target.setBindings(masked(bindings)));
      }
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      const levels = (target as Partial<Logger>).levels?.values;
      if (!LEVEL_METHODS.has(property) && (levels === undefined || !(property in levels))) return value;
      const method = value as (...args: unknown[]) => void;
      const enabled = typeof (target as Partial<Logger>).isLevelEnabled === 'function' ? (level: string) => target.isLevelEnabled(level) : () => true;
      return (...args: unknown[]) => logSafely(() => {
        if (!enabled(property)) return;
        // Each argument masked on its own: one no mask can read (a getter that throws) is logged as '[unmaskable]'.
        let list: unknown[];
        try {
          list = formatted(args);
        } catch {
          list = [UNMASKABLE]; // A format argument whose text cannot be made (a `toString` that throws).
        }
        const now = current();
        const copies = list.map((arg, i) => (i === 0 && isMergingObject(arg) ? maskedMerging(arg, now) : unmaskable(() => now.value(arg))));
        if (isMergingObject(copies[0])) copies[0] = maskedOwners(copies[0], dialect);
        method.apply(target, copies);
      });
    },
  });
}
