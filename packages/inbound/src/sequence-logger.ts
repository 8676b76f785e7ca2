import { format } from 'node:util';
import type { ChildLoggerOptions, Logger, LoggerOptions } from 'pino';
import { isFieldKey, maskFieldValue, maskValue, sensitiveFields } from '@iso8583/codec';
import type { Dialect, Sensitivity } from '@iso8583/codec';
import type { CardDataMask } from './card-data-mask.js';
import { defineValue } from './masked-copy.js';
import { isMaskedValue } from './masked-value.js';
import { fieldSpecAt, maskXml } from './xml-mask.js';

/*
 * The logger a sequence gets (`context.logger`) must not write the card data of its message, whatever the sequence
 * hands it: `{ fields: message.fields }`, `{ xml: message.xml }`, an error whose text carries field 52, a format
 * argument. Two layers:
 *  - pino redaction, configured once per endpoint, for the usual paths (`fields["2"]`, `response["35"]`, `xml`, ...):
 *    the value is replaced by the codec's mask for its field, whatever message it came from;
 *  - per message, every argument of a log call (message text, format arguments, objects, errors) and what a line carries
 *    besides them (child bindings, bindings set later, a child's message prefix) is copied with each of the message's
 *    sensitive values masked wherever it appears in a string (see CardDataMask).
 */

/**
 * Where a field value usually sits in a log record (top level only: pino's wildcard paths cost several microseconds
 * on every line; deeper places are covered by the per-message layer for the message's own values).
 */
const FIELD_OWNERS = ['fields', 'message', 'request', 'response', 'reply'];

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
 * by one, `xml` at the owner's top masked as XML ({@link maskXml}). A key that is no field number is left to the
 * per-message layer, which masked every string already.
 */
function maskedFields(value: unknown, dialect: Dialect, byId: ReadonlyMap<string, Sensitivity>, prefix: string): unknown {
  if (!isFieldObject(value)) return value;
  const out: object = Array.isArray(value) ? [] : {};
  const set = (key: string, field: unknown): void => defineValue(out, key, field);
  for (const [key, field] of Object.entries(value)) {
    if (prefix === '' && key === 'xml') {
      set(key, typeof field === 'string' ? maskXml(field, dialect) : field);
      continue;
    }
    if (!isFieldKey(key)) {
      set(key, field);
      continue;
    }
    const id = prefix + key;
    const sensitivity = byId.get(id);
    if (sensitivity !== undefined) set(key, maskAt(field, sensitivity));
    else if (isFieldObject(field)) set(key, maskedFields(field, dialect, byId, `${id}.`));
    else if (typeof field === 'string') set(key, maskFieldValue(field, undefined, fieldSpecAt(dialect, id)));
    else if (typeof field === 'number' || typeof field === 'bigint') {
      const masked = maskFieldValue(String(field), undefined, fieldSpecAt(dialect, id));
      set(key, masked === String(field) ? field : masked);
    } else set(key, field);
  }
  return out;
}

/**
 * The pino redaction of the sequence loggers of an endpoint: `fields`, `message`, `request`, `response` and `reply`
 * (top-level paths: a wildcard path costs several microseconds on every line) each read field by field
 * ({@link maskedFields}: the sensitive fields of the dialect masked for their field, every other field as the codec
 * shows it, so that a PAN of another message in an unmarked field is masked as free text, as the line path masks it),
 * and `xml` at the top level and under those keys.
 */
export function sequenceRedaction(dialect: Dialect): NonNullable<LoggerOptions['redact']> {
  const byId = sensitiveFields(dialect);
  return {
    paths: ['xml', ...FIELD_OWNERS],
    censor: (value: unknown, path: string[]) => {
      if (path[path.length - 1] === 'xml') return typeof value === 'string' ? maskXml(value, dialect) : value;
      return maskedFields(value, dialect, byId, '');
    },
  };
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
 * `setBindings`, a child's `msgPrefix`), copied through `mask` first, the message formatted first when it has
 * interpolation arguments; also when the message carried no card data (numbers in groups are masked whatever message
 * they came from). Everything else (level, flush) is the logger's own.
 */
export function maskingLogger(logger: Logger, mask: CardDataMask): Logger {
  return new Proxy(logger, {
    get(target, property, receiver) {
      if (property === 'child') {
        return (bindings: Record<string, unknown>, options?: ChildLoggerOptions) =>
          maskingLogger(target.child(mask.value(bindings) as Record<string, unknown>, maskedChildOptions(options, mask)) as Logger, mask);
      }
      if (property === 'setBindings') {
        return (bindings: Record<string, unknown>) => target.setBindings(mask.value(bindings) as Record<string, unknown>);
      }
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      if (!LEVEL_METHODS.has(property) && !(property in target.levels.values)) return value;
      const method = value as (...args: unknown[]) => void;
      return (...args: unknown[]) => {
        if (!target.isLevelEnabled(property)) return;
        method.apply(target, formatted(args).map((arg) => mask.value(arg)));
      };
    },
  });
}
