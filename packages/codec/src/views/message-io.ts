import type { Dialect, IsoMessage, MessageInput } from '../types.js';
import { codecError } from '../errors.js';
import { fromXml, toXml } from './xml.js';
import { readJson, toJson } from './json.js';

/** The three forms a message comes in: `ISOMessage` XML text, JSON text, or an object. */
export type MessageForm = 'xml' | 'json' | 'object';

/** A message read from any form. */
export interface MessageRead {
  /** The form it came in; answer in the same form. */
  form: MessageForm;
  /** The fields. */
  message: MessageInput;
  /**
   * The raw header bytes before the MTI, when given: `<header>` (base64) in XML, the top-level `"header"` (hex) in
   * JSON text or an object.
   */
  header?: Buffer;
}

/** Options of {@link readMessage} and {@link writeMessage}. */
export interface MessageIoOptions {
  /** The EMV view of field 55 (an object of tags in JSON; `<tag>` elements in XML). Default `false`. */
  emv?: boolean;
  /**
   * {@link readMessage}: the dialect a jPOS XMLPackager dump is read for, by jPOS's rule for `type` (`fromXml`'s
   * `dialect` option). Default: none (a dump's values read as written).
   */
  dialect?: Dialect;
}

/**
 * Reads a message given as XML text (the first character other than white space or a byte-order mark is `<`),
 * JSON text (anything else), or an object, and says which form it was. Throws `ISO8583_ERR_XML` /
 * `ISO8583_ERR_JSON` for input that is neither, `ISO8583_ERR_INVALID_MESSAGE` naming every bad field.
 */
export function readMessage(input: string | MessageInput, options: MessageIoOptions = {}): MessageRead {
  if (typeof input === 'string') {
    // Most XML starts at its first character: no regular expression (and no match array) for it.
    const start = input.charCodeAt(0) === 0x3c /* < */ ? 0 : /^[\s\uFEFF]*/.exec(input)![0].length;
    if (input.charCodeAt(start) === 0x3c /* < */) {
      const xml = start === 0 ? input : input.slice(start);
      const { message, header } = fromXml(xml, options.dialect === undefined ? {} : { dialect: options.dialect });
      return header === undefined ? { form: 'xml', message } : { form: 'xml', message, header };
    }
    return { form: 'json', ...readJson(input, options) };
  }
  if (Buffer.isBuffer(input) || input instanceof Uint8Array) {
    throw codecError('ISO8583_ERR_OPTION', 'give a message as text or an object, not bytes (use unpack for bytes)', {
      field: 'input',
    });
  }
  return { form: 'object', ...readJson(input, options) };
}

/**
 * Writes a message in the given form: XML text (with `header` as `<header>` base64), JSON text (with `header` as a
 * top-level `"header"` in hex), or the object itself (without the header: pack takes it apart, `{ header }`). Throws
 * `ISO8583_ERR_OPTION` for an unknown form.
 */
export function writeMessage(
  message: IsoMessage,
  form: MessageForm,
  header?: Uint8Array,
  options: MessageIoOptions = {},
): string | IsoMessage {
  switch (form) {
    case 'xml':
      return toXml(message, header === undefined ? { emv: options.emv } : { header, emv: options.emv });
    case 'json':
      return toJson(message, header === undefined ? { emv: options.emv } : { header, emv: options.emv });
    case 'object':
      return message;
    default:
      throw codecError('ISO8583_ERR_OPTION', 'the form must be xml, json or object', { field: 'form' });
  }
}
