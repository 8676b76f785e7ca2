/**
 * Mutations of XML documents for the scanner's fuzz tests (`xml-scan-fuzz.test.ts`, `xml-scan-patterns.test.ts`):
 * fragments inserted at random places, characters cut, and the outcome of a read to compare the fast path with the
 * full parser. One list of fragments: each is something the scanner must read as the full parser does, or hand over.
 */
import fc from 'fast-check';

/** What reading a document gives: the message and header, or the error's code, text and problems. */
export function outcome(read: (xml: string) => unknown, xml: string): unknown {
  try {
    return { ok: read(xml) };
  } catch (err) {
    const e = err as { code?: string; message?: string; problems?: unknown };
    return { code: e.code, message: e.message, problems: e.problems };
  }
}

/**
 * Fragments a mutation inserts: markup and quote characters, white space (carriage returns among it), control and
 * non-character code points, lone and paired surrogates, a byte order mark, entities (known, numeric, unknown, out of
 * range), comments, CDATA, DOCTYPEs with and without entity declarations, attributes, fields (repeated, zero-padded,
 * out-of-range or missing ids, empty, closing tags alone), composite, header and data elements, prologs and
 * processing instructions, the root's own tags.
 */
export const FRAGMENTS: readonly string[] = [
  '<', '>', '&', '"', "'", ' ', '\t', '\n', '\r', '\r\n', '/', '=', '0', '9', 'x', 'é', '\u0001', '\u0000', '\uFFFE',
  '\uD83D', '\uD83D\uDE00', '\uFEFF', '&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#13;', '&#x41;', '&#0;', '&#x110000;',
  '&foo;', '&nbsp;', '<!-- c -->', '<![CDATA[x]]>', '<!DOCTYPE x>', '<!doctype ISOMessage [<!ENTITY e "x">]>', '&e;',
  ' id="7"', ' type="x"', ' value="1"', ' xmlns="urn:x"', '<field id="3">1</field>', '<field id="03">1</field>',
  '<field id="1000">1</field>', '<field>1</field>', '<field id="4"/>', '</field>', '<isomsg id="5"></isomsg>',
  '<header>AAAA</header>', '<header>!</header>', '<data>', '</data>', '<tag id="9F26">00</tag>', '<?xml version="1.0"?>',
  '<?pi x?>', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', '</ISOMessage>', '<ISOMessage>',
];

/** One mutation: at `at` (modulo the length), `cut` characters removed and `insert` put in their place. */
export interface XmlMutation {
  at: number;
  cut: number;
  insert: string;
}

/** A mutation: a place, up to 4 characters cut, one of {@link FRAGMENTS} or up to 3 random characters inserted. */
export const mutation: fc.Arbitrary<XmlMutation> = fc.record({
  at: fc.nat(),
  cut: fc.nat({ max: 4 }),
  insert: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 3 })),
});

/** `xml` with `mutations` applied in turn. */
export function mutate(xml: string, mutations: readonly XmlMutation[]): string {
  let out = xml;
  for (const m of mutations) {
    const at = m.at % (out.length + 1);
    out = out.slice(0, at) + m.insert + out.slice(at + m.cut);
  }
  return out;
}
