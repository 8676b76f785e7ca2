import { format } from 'node:util';
import type { ChildLoggerOptions, Logger, LoggerOptions } from 'pino';
import { isMaskedPan, maskValue, sensitiveFields } from '@iso8583/codec';
import type { Dialect, Sensitivity } from '@iso8583/codec';
import { sensitivityOf, xmlEscape } from './card-data-forms.js';
import type { CardDataMask } from './card-data-mask.js';

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

/** Track data as the codec masks it: the PAN part masked, only stars after the separator. */
const MASKED_TRACK = /^[^0-9]{0,2}([0-9*]{1,19})[=D^]\**$/;

/** EMV data as the codec masks it: its tags, or its size when it was not valid TLV. */
const MASKED_EMV = /^EMV\[(?:[0-9A-F]+(?: [0-9A-F]+)*|\d+ bytes)?\]$/;

/**
 * True when `value` is exactly what the codec's mask for `sensitivity` makes of a value (so masking again would change
 * nothing, or only hide more of a masked track): `411111******1111`, `411111******1111=*****`, `EMV[9F26 9F27]`,
 * `********`. A value that merely holds a star (`5413330089010434=2512101*99`) is not masked.
 */
export function isMaskedValue(value: string, sensitivity: Sensitivity): boolean {
  if (sensitivity === 'track') {
    const track = MASKED_TRACK.exec(value);
    if (track !== null) return isMaskedPan(track[1]!);
  } else if (sensitivity === 'emv') {
    return MASKED_EMV.test(value);
  }
  return maskValue(value, sensitivity) === value;
}

/** A field value at a redacted path, masked for its field (left as it is when the per-message layer masked it). */
function maskAt(value: unknown, sensitivity: Sensitivity): unknown {
  if (typeof value !== 'string') return value === undefined ? value : '[Redacted]';
  return isMaskedValue(value, sensitivity) ? value : maskValue(value, sensitivity);
}

/**
 * The parts of an `ISOMessage` (or jPOS `<isomsg>`) document that maskXml reads, left to right: an `<isomsg ...>`
 * opening a composite field (its `id`, none for a jPOS root) and its closing tag; a `<field id="N" value="..."/>` of the
 * jPOS form; a `<field id="N">` with its content up to its `</field>` (text, a CDATA section, or the `<tag>` elements
 * of field 55 written as EMV tags). A content never runs over another `<field` or `</field`: each character is read
 * a bounded number of times, however many fields are left open.
 */
const XML_PARTS = /<isomsg\b([^>]*?)(\/?)>|<\/isomsg>|(<field id="([0-9.]+)"[^>]*?)\bvalue="([^"]*)"([^>]*\/>)|(<field id="([0-9.]+)"[^>]*(?<!\/)>)((?:(?!<\/?field\b)[\s\S])*)(<\/field>)/g;

/** The `id` of an `<isomsg>`'s attributes. */
const ISOMSG_ID = /\bid="([0-9]+)"/;

/** XML text (escaped) as it reads. */
function xmlText(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[name]!);
}

/** A sensitive field's XML text masked for it (left as it is when the per-message layer masked it already). */
function maskedText(text: string, sensitivity: Sensitivity): string {
  const raw = xmlText(text);
  return isMaskedValue(raw, sensitivity) ? text : xmlEscape(maskValue(raw, sensitivity));
}

/**
 * A sensitive field's content that holds markup (field 55 as EMV `<tag>` elements, a CDATA section): every character
 * of text and of CDATA starred, the elements (the EMV tags) kept.
 */
function starredContent(content: string): string {
  return content
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, text: string) => `<![CDATA[${'*'.repeat(text.length)}]]>`)
    .replace(/(^|>)([^<]+)/g, (_, open: string, text: string) => open + (text.trim() === '' ? text : '*'.repeat(text.length)));
}

/**
 * `ISOMessage` XML (or jPOS `<isomsg>` XML) with the value of every sensitive `<field>` masked: each field read by its
 * path (a sub-field of `<isomsg id="127">` as `127.9`), its text, CDATA or `value` attribute masked for its field,
 * field 55 written as EMV `<tag>` elements with every tag's value starred.
 */
export function maskXml(xml: string, dialect: Dialect): string {
  const path: (string | undefined)[] = [];
  const idOf = (id: string): string => [...path.filter((p) => p !== undefined), id].join('.');
  return xml.replace(
    XML_PARTS,
    (whole, isomsgAttributes?: string, selfClosing?: string, valueOpen?: string, valueId?: string, value?: string, valueClose?: string, open?: string, id?: string, content?: string, close?: string) => {
      if (whole === '</isomsg>') {
        path.pop();
        return whole;
      }
      if (isomsgAttributes !== undefined) {
        if (selfClosing === '') path.push(ISOMSG_ID.exec(isomsgAttributes)?.[1]);
        return whole;
      }
      if (valueId !== undefined) {
        const sensitivity = sensitivityOf(dialect, idOf(valueId));
        return sensitivity === undefined || value === '' ? whole : `${valueOpen!}value="${maskedText(value!, sensitivity)}"${valueClose!}`;
      }
      const sensitivity = sensitivityOf(dialect, idOf(id!));
      if (sensitivity === undefined || content!.length === 0) return whole;
      const masked = content!.includes('<') ? starredContent(content!) : maskedText(content!, sensitivity);
      return `${open!}${masked}${close!}`;
    },
  );
}

/**
 * The pino redaction of the sequence loggers of an endpoint: the sensitive fields of the dialect under `fields`,
 * `message`, `request`, `response` and `reply`, and `xml` at the top level and under those keys.
 */
export function sequenceRedaction(dialect: Dialect): NonNullable<LoggerOptions['redact']> {
  const byId = sensitiveFields(dialect);
  const paths: string[] = ['xml', 'message.xml', 'request.xml', 'response.xml', 'reply.xml'];
  for (const id of byId.keys()) {
    const keys = id.split('.').map((part) => `["${part}"]`).join('');
    for (const owner of FIELD_OWNERS) paths.push(`${owner}${keys}`);
  }
  return {
    paths,
    censor: (value: unknown, path: string[]) => {
      if (path[path.length - 1] === 'xml') return typeof value === 'string' ? maskXml(value, dialect) : value;
      // The field id is the end of the path (`fields`, `2`; `x`, `fields`, `127`, `2`): the longest one known wins.
      for (let parts = Math.min(3, path.length - 1); parts >= 1; parts--) {
        const sensitivity = byId.get(path.slice(-parts).join('.'));
        if (sensitivity !== undefined) return maskAt(value, sensitivity);
      }
      return '[Redacted]';
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
