import { readBoolean, xmlError } from './attributes.js';

/**
 * The attributes of a field element (`isofield`, `isofieldpackager`) that jPOS's genericpackager.dtd allows beside
 * `id`, `length`, `name`, `class`, `pad` and the sub-field packager's own ones. Those that make jPOS lay the field's
 * bytes out in a way no dialect field describes are refused naming the attribute and the field, rather than ignored:
 * ignoring one gave a codec that reads and writes other bytes than jPOS, so the fields after it (amounts included)
 * were misread by a jPOS peer.
 *
 * - `trim="true"` (isofield): jPOS's string classes then drop their padding and read a fixed field only as far as
 *   the bytes go.
 * - `inclusive="true"`: the binary length prefix counts its own bytes (jPOS's self-inclusive prefixers, on the
 *   `IFB_LLH*` / `IFB_LLLH*` classes; other classes refuse it at load).
 * - `params` (any value): jPOS builds the class (on an `isofieldpackager`, the sub-field packager) with that string as
 *   its constructor argument (GenericPackager's reads the sub-field layout from the file it names), a layout the
 *   import cannot see.
 * - `encoding` (any value): a character set for the field's text, where the import's classes have fixed ones (ASCII,
 *   EBCDIC code page 1047).
 *
 * `trim="false"` and `inclusive="false"` are jPOS's defaults and change nothing. `token` is accepted and changes
 * nothing, as in jPOS: its loader hands it only to tagged field classes (`TaggedFieldPackager`: `IF_TCHAR`,
 * `IFTA_*`...), none of which the import knows.
 */
export function refuseUnhonouredAttributes(packager: string, attributes: Record<string, string>, composite: boolean, path: string): void {
  if (!composite && readBoolean(packager, attributes.trim, 'trim', false, path)) {
    xmlError(packager, 'attribute trim="true" is not supported: jPOS then sends the value unpadded and reads it to the end of the bytes', path);
  }
  if (readBoolean(packager, attributes.inclusive, 'inclusive', false, path)) {
    xmlError(packager, 'attribute inclusive="true" is not supported: jPOS then sends a length prefix that counts its own bytes', path);
  }
  if (attributes.params !== undefined) {
    const what = composite ? 'the sub-field packager' : 'the field class';
    xmlError(packager, `attribute params is not supported: jPOS builds ${what} with it as constructor argument, a layout the import cannot see`, path);
  }
  if (attributes.encoding !== undefined) {
    xmlError(packager, 'attribute encoding is not supported: the text of the classes the import knows travels in ASCII or EBCDIC 1047', path);
  }
}
