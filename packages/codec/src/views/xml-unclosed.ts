/**
 * A comment, CDATA section or processing instruction that a document opens and never closes, found in one pass before
 * the full parser's regular expressions read it: each of them, lazy up to its close, scanned from every `<!--` to the
 * end of the text when no close came, so 128 KiB of `<!--` took 12 s (quadratic).
 */

/** The sections that hide markup, each with its opening and its close. */
const SECTIONS: readonly (readonly [open: string, close: string, what: string])[] = [
  ['<!--', '-->', 'a comment ("<!--")'],
  ['<![CDATA[', ']]>', 'a CDATA section ("<![CDATA[")'],
  ['<?', '?>', 'a processing instruction ("<?")'],
];

/**
 * What `xml` opens and never closes (`a comment ("<!--")`, ...), read left to right as XML reads them (a `<!--` inside
 * a CDATA section or a comment opens nothing), or `undefined` when every one closes. Linear: each character is passed
 * once by a native search.
 */
export function unclosedSection(xml: string): string | undefined {
  for (let at = xml.indexOf('<'); at >= 0; ) {
    const section = SECTIONS.find(([open]) => xml.startsWith(open, at));
    if (section === undefined) {
      at = xml.indexOf('<', at + 1);
      continue;
    }
    const [open, close, what] = section;
    const end = xml.indexOf(close, at + open.length);
    if (end < 0) return what;
    at = xml.indexOf('<', end + close.length);
  }
  return undefined;
}

/**
 * `xml` without its comments, CDATA sections and processing instructions (the XML declaration too), read left to
 * right as {@link unclosedSection} reads them: a `<!--` or `<!DOCTYPE` inside a processing instruction is text of it,
 * as one inside a comment or CDATA is. What is left is the markup and text a declaration could hide in. A section
 * never closed is kept as it is (read {@link unclosedSection} first). Linear: each character is passed once by a
 * native search (a regular expression of the three, lazy up to each close, scanned from every `<!--` in a processing
 * instruction to the end of the text: 128 KiB held the event loop about 4 s).
 */
export function outsideSections(xml: string): string {
  let out = '';
  let from = 0;
  for (let at = xml.indexOf('<'); at >= 0; ) {
    const section = SECTIONS.find(([open]) => xml.startsWith(open, at));
    if (section === undefined) {
      at = xml.indexOf('<', at + 1);
      continue;
    }
    const [open, close] = section;
    const end = xml.indexOf(close, at + open.length);
    if (end < 0) break;
    out += xml.slice(from, at);
    from = end + close.length;
    at = xml.indexOf('<', from);
  }
  return from === 0 ? xml : out + xml.slice(from);
}
