/*
 * The XML view of a message, in the shape of the WSO2 ISO8583 connector and inbound endpoint:
 *
 *   <ISOMessage>
 *     <header>AAAAaw==</header>                  optional: raw header bytes before the MTI, base64
 *     <data>
 *       <field id="0">0200</field>              fields in ascending order, values XML-escaped
 *       <field id="3">000000</field>
 *       <isomsg id="127">                        a composite field (e.g. Postilion 127), as jPOS nests it
 *         <header>0000</header>                  its fixed header bytes when the dialect has some, uppercase hex
 *         <field id="2">SWITCH_KEY</field>       sub-fields in ascending order
 *       </isomsg>
 *     </data>
 *   </ISOMessage>
 *
 * With the EMV view, field 55 holds one `<tag id="9F26">value-hex</tag>` per data object (constructed tags nest
 * `<tag>` elements) instead of its hex. On input the jPOS XMLPackager shape is accepted too: an `<isomsg>` root with
 * the fields directly inside and values in a `value` attribute.
 */

/**
 * The largest XML document read, in characters (a message of 64 KB with escapes fits many times). It also keeps the
 * scanner's expression of the whole document (`CANONICAL`, `xml-scan-grammar.ts`) well inside V8's regular expression
 * stack, which a document of some 16 million characters of fields overflows: do not raise it without that in mind.
 */
export const MAX_XML_LENGTH = 1 << 20;
/**
 * The largest document read outside the canonical shape (a SOAP envelope, a jPOS dump, comments, CDATA, entities),
 * in characters: those go through fast-xml-parser, at some twenty times the cost per character of the one-pass
 * scanner, so a 1 MiB document held the event loop for a second or more (one HTTP client's body delayed every other
 * client). An ISO 8583 message of a few kilobytes fits many times in any of those forms.
 */
export const MAX_PARSED_XML_LENGTH = 1 << 17;
/**
 * The most entity and character references (`&amp;`, `&#52;`) a document may hold: 65536, one for each byte of the
 * largest message a frame carries (64 KiB: what a 2-byte length header can say, and the endpoints' default
 * `maxFrameSize`), so that the XML `toXml` writes of any message that fits a frame reads back, even one whose every
 * character is escaped (`toXml` writes at most one reference a character). Each costs up to a microsecond to decode
 * once warm (more the first time): a 1 MiB document of 200,000 of them held the event loop for over a second, one at
 * the bound some 30 to 90 ms (measured on a busy 2-core machine, canonical and SOAP shapes).
 */
export const MAX_XML_REFERENCES = 1 << 16;
/**
 * How deep elements may nest in a document read outside the canonical shape (the root is level 1): fast-xml-parser
 * stops past about this many, and a message's deepest document (a SOAP envelope, composite fields, constructed EMV
 * tags) is a few dozen levels. A deeper one is refused with a reason that says so.
 */
export const MAX_XML_DEPTH = 100;
/** How deep `<isomsg>` elements may nest. */
export const MAX_COMPOSITE_DEPTH = 4;
/** A field id: a field number without sign or leading zero. */
export const FIELD_ID = /^(0|[1-9][0-9]{0,2})$/;
/** Hex bytes: the header of a composite field. */
export const HEX_BYTES = /^([0-9A-Fa-f]{2})*$/;
