/**
 * The XML view of a message (the `ISOMessage` shape of the WSO2 connector, described in `xml-shape.ts`): its options
 * and results. The writer is `xml-writer.ts`, the reader `xml-reader.ts`.
 */
import type { Dialect, MessageInput } from '../types.js';

/** Options of the XML view. */
export interface XmlOptions {
  /** Raw header bytes before the MTI, written as `<header>` in base64. Default: no `<header>` element. */
  header?: Uint8Array;
  /**
   * Show field 55 as one `<tag id="...">` element per EMV data object (values in hex) instead of its hex. Field 55
   * that is not valid BER-TLV stays hex. Default `false`. (`fromXml` always accepts both forms.)
   */
  emv?: boolean;
  /** Indent with newlines and two spaces per level (`true`) or write everything on one line (`false`). Default `true`. */
  pretty?: boolean;
}

/** Options of `fromXml`. */
export interface FromXmlOptions {
  /**
   * The dialect the message is for (`codec.dialect`), to read a jPOS XMLPackager dump as jPOS means it: a `value`
   * without `type` is text, one with `type="binary"` the hex of its bytes. So a text value on a binary (`b`) field
   * becomes the hex of its ISO-8859-1 bytes (`value="ABCD"`: `41424344`), and a `type="binary"` value on a character
   * field the text of its bytes, and `codec.pack(message, { header })` rebuilds jPOS's wire image. A `type` other than
   * `binary`, a `type="binary"` value that is not hex, or a text value on a binary field with a character above U+00FF
   * is a named problem (`ISO8583_ERR_FIELD_VALUE`) with or without it. Default: none, and a dump's values are read
   * as written (each already in the codec's form: text on character fields, hex on binary ones). The `ISOMessage`
   * shape has one form for every value and never needs it.
   */
  dialect?: Dialect;
}

/** What `fromXml` reads. */
export interface XmlMessage {
  /** The fields, values as strings (a composite field as a nested object). */
  message: MessageInput;
  /**
   * The bytes of the message header, when the document has one: the `<header>` element of an `ISOMessage` (base64),
   * or the top-level `<header>` of a jPOS XMLPackager dump (hex, as jPOS writes it). Pack with it
   * (`codec.pack(message, { header })`) to rebuild the wire image.
   */
  header?: Buffer;
}

export { MAX_PARSED_XML_LENGTH, MAX_XML_LENGTH, MAX_XML_REFERENCES } from './xml-shape.js';
export { toXml } from './xml-writer.js';
export { fromXml } from './xml-reader.js';
