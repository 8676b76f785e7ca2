/**
 * The canonical `ISOMessage` document as regular expressions (the grammar of the scanner, `xml-scan.ts`): the prolog
 * it knows, the document for any list of fields, and the document for one list of field ids with the header and
 * values captured (`xml-scan-patterns.ts`). One home for the grammar: both expressions are made from the same parts,
 * so a document one of them accepts for a list of ids the other accepts too, with the same header and values.
 */

/** The XML declaration the scanner knows (version, then optional encoding and standalone, in that order). */
export const PROLOG =
  /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.[0-9]\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][A-Za-z0-9._-]{0,39}\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\3)?[ \t\n]*\?>/y;

/** White space between elements (no carriage return: the full parser normalizes line ends). */
const S = '[ \\t\\n]*';
/** A field number without sign or leading zero (as `FIELD_ID`). */
const ID = '(?:0|[1-9][0-9]{0,2})';
/**
 * A value's raw text: no `<`, no `>`, no carriage return, no control character other than tab and line feed, nothing
 * from U+D800 up.
 */
const TEXT = '[^<>\\r\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uD800-\\uFFFF]*';
const BASE64 = '(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?';

/** A `<field>` element with the id `id` (a pattern) and the text `text` (a pattern), and the white space after it. */
function field(id: string, text: string): string {
  return `<field[ \\t\\n]+id${S}=${S}(?:"${id}"|'${id}')${S}>${text}</field${S}>${S}`;
}

/** The document after the prolog, its base64 header text as `header` (a pattern) and its fields as `fields`. */
function document(header: string, fields: string): string {
  return (
    `${S}<ISOMessage>${S}(?:<header>${S}${header}${S}</header>${S})?<data>${S}` +
    `${fields}</data${S}>${S}</ISOMessage${S}>${S}$`
  );
}

/**
 * The canonical document after the prolog, up to its end (sticky: tested from where the prolog ends).
 *
 * Its `(?:<field ...>...</field>)*` keeps one backtracking entry per field on V8's regular expression stack: a
 * document of about 730,000 fields (some 16 million characters, Node 20) overflows it, and `test` throws a
 * `RangeError` ("Maximum call stack size exceeded") instead of answering. Only `MAX_XML_LENGTH` (`xml-shape.ts`,
 * checked by `fromXml` before the scanner runs) keeps that out of reach: the largest document allowed holds at most
 * about 47,000 fields of the shortest form (`<field id="0"></field>`, 22 characters), which the expression reads.
 * Raising that limit past some 10 million characters needs a scanner that does not match the whole document at once.
 */
export const CANONICAL = new RegExp(document(BASE64, `(?:${field(ID, TEXT)})*`), 'y');

/**
 * The canonical document whose fields have the ids `ids`, in that order (sticky, as {@link CANONICAL}): group 1
 * captures the header's base64 text (when there is a header), group i + 2 the raw text of the field `ids[i]`. Made
 * from field numbers only (integers of 0-999), never from a document's text.
 */
export function idListPattern(ids: ArrayLike<number>): RegExp {
  let fields = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id > 999) throw new RangeError(`not a field number: ${id}`);
    fields += field(String(id), `(${TEXT})`);
  }
  return new RegExp(document(`(${BASE64})`, fields), 'y');
}
