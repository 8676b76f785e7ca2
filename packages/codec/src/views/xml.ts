/**
 * The XML view of a message (the `ISOMessage` shape of the WSO2 connector, described in `xml-shape.ts`): its options
 * and results. The writer is `xml-writer.ts`, the reader `xml-reader.ts`.
 */
import type { MessageInput } from '../types.js';

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
