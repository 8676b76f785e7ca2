/**
 * The character encoding of an XML body: the `charset` parameter of its `Content-Type`, the `encoding` of its XML
 * declaration, or UTF-8 (XML's default) when neither says. The routes read UTF-8 and ISO-8859-1; a body in any other,
 * or whose two labels disagree, is refused naming them, never read as UTF-8 whatever it says (an ISO-8859-1 `É` became
 * U+FFFD, and the error blamed the field that held it).
 */

/** The encodings the routes decode an XML body from, by the labels that name them (compared lower-cased). */
const ENCODINGS: ReadonlyMap<string, 'utf8' | 'latin1'> = new Map([
  ['utf-8', 'utf8'],
  ['utf8', 'utf8'],
  ['us-ascii', 'utf8'], // ASCII is UTF-8 (an old default label of text/xml)
  ['ascii', 'utf8'],
  ['iso-8859-1', 'latin1'],
  ['iso8859-1', 'latin1'],
  ['iso_8859-1', 'latin1'],
  ['latin1', 'latin1'],
  ['l1', 'latin1'],
]);

/** The `charset` parameter of a `Content-Type` header value (quoted or not), if it has one. */
const CHARSET_PARAMETER = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;

/** The `encoding` of an XML declaration at the start of a body (after a byte order mark and white space). */
const DECLARED_ENCODING = /^(?:\uFEFF|\u00EF\u00BB\u00BF)?\s*<\?xml\s[^?>]*?\bencoding\s*=\s*(?:"([^"]*)"|'([^']*)')/;

/**
 * A label as it is named in a refusal: the characters a charset name has, at most 40 (never the body); a label with
 * more than 6 digits in all (no charset name the routes could be asked for has more than `ISO-8859-15`'s 6 unless it
 * is a dated alias) has every digit shown as `#`, whatever separates them: `4111-1111-1111-1111` or `4111.1111:1111`
 * is a card number, not a charset, and a digit-run mask keeps its first six and last four.
 */
function shown(label: string): string {
  const safe = label.replace(/[^A-Za-z0-9._:-]/g, '?').slice(0, 40);
  return (safe.match(/[0-9]/g)?.length ?? 0) > 6 ? safe.replace(/[0-9]/g, '#') : safe;
}

/**
 * The text of an XML body `bytes` sent with the `Content-Type` `contentType`, or the reason it cannot be read (its
 * charset is not UTF-8 or ISO-8859-1, or the header and the XML declaration name different ones).
 */
export function decodeXmlBody(bytes: Buffer, contentType: unknown): { text: string } | { refused: string } {
  const m = CHARSET_PARAMETER.exec(String(contentType ?? ''));
  const header = m === null ? undefined : (m[1] ?? m[2] ?? '').trim();
  // The declaration is ASCII in every encoding read here: its first bytes read as ISO-8859-1 find it.
  const d = DECLARED_ENCODING.exec(bytes.toString('latin1', 0, Math.min(bytes.length, 256)));
  const declared = d === null ? undefined : (d[1] ?? d[2] ?? '').trim();
  const fromHeader = header === undefined ? undefined : ENCODINGS.get(header.toLowerCase());
  const fromDeclaration = declared === undefined ? undefined : ENCODINGS.get(declared.toLowerCase());
  if (header !== undefined && fromHeader === undefined) {
    return { refused: `the body's charset "${shown(header)}" is not one the routes read (UTF-8, ISO-8859-1)` };
  }
  if (declared !== undefined && fromDeclaration === undefined) {
    return { refused: `the XML declaration's encoding "${shown(declared)}" is not one the routes read (UTF-8, ISO-8859-1)` };
  }
  if (fromHeader !== undefined && fromDeclaration !== undefined && fromHeader !== fromDeclaration) {
    return { refused: `the body's charset "${shown(header!)}" and its XML declaration's encoding "${shown(declared!)}" differ` };
  }
  return { text: bytes.toString(fromHeader ?? fromDeclaration ?? 'utf8') };
}
