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

/** What {@link readSections} finds: the section `xml` opens and never closes, or `xml` outside its sections. */
export type SectionsRead = { readonly unclosed: string } | { readonly outside: string };

/**
 * One walk over `xml`'s comments, CDATA sections and processing instructions (the XML declaration too), left to right
 * as XML reads them (a `<!--` or `<!DOCTYPE` inside a comment, CDATA section or processing instruction opens nothing:
 * it is text of it). `{ unclosed }` names the first one never closed (`a comment ("<!--")`, ...); else `{ outside }`
 * is `xml` without them: the markup and text a declaration could hide in. Linear: each character is passed once by a
 * native search (a regular expression of the three, lazy up to each close, scanned from every `<!--` to the end of
 * the text: 128 KiB of `<!--` took 12 s, quadratic).
 */
export function readSections(xml: string): SectionsRead {
  let out = '';
  let from = 0;
  for (let at = xml.indexOf('<'); at >= 0; ) {
    const section = SECTIONS.find(([open]) => xml.startsWith(open, at));
    if (section === undefined) {
      at = xml.indexOf('<', at + 1);
      continue;
    }
    const [open, close, what] = section;
    const end = xml.indexOf(close, at + open.length);
    if (end < 0) return { unclosed: what };
    out += xml.slice(from, at);
    from = end + close.length;
    at = xml.indexOf('<', from);
  }
  return { outside: from === 0 ? xml : out + xml.slice(from) };
}
