/**
 * The size limit of the XML view (`MAX_XML_LENGTH`) is what keeps the scanner's expression of the whole document
 * (`CANONICAL`) inside V8's regular expression stack, which overflows near 730,000 fields: the largest document
 * allowed, made of as many fields as fit, is read or refused with a coded error, never a `RangeError`; one character
 * more is refused before anything reads it. A document the scanner does not take goes to the full parser only up to
 * `MAX_PARSED_XML_LENGTH`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error, MAX_PARSED_XML_LENGTH, MAX_XML_LENGTH, MAX_XML_REFERENCES, fromXml } from '../src/index.js';
import { scanIsoMessage } from '../src/views/xml-scan.js';

const OPEN = '<ISOMessage><data>';
const CLOSE = '</data></ISOMessage>';

/** A document of `OPEN`, `element` repeated as often as fits, padding white space, `CLOSE`: `length` characters. */
function filled(element: string, length = MAX_XML_LENGTH): { xml: string; fields: number } {
  const fields = Math.floor((length - OPEN.length - CLOSE.length) / element.length);
  const body = element.repeat(fields);
  const xml = OPEN + body + ' '.repeat(length - OPEN.length - CLOSE.length - body.length) + CLOSE;
  assert.equal(xml.length, length);
  return { xml, fields };
}

/** What `read` does with `xml`: its result, or the code of the `Iso8583Error` it throws (anything else fails). */
function outcome(read: (xml: string) => unknown, xml: string): { ok: unknown } | { code: string } {
  try {
    return { ok: read(xml) };
  } catch (err) {
    assert.ok(err instanceof Iso8583Error, `not a coded error: ${String(err).slice(0, 200)}`);
    return { code: err.code };
  }
}

test('the largest document allowed, of the shortest canonical fields, is refused with a coded error, not a RangeError', () => {
  const { xml, fields } = filled('<field id="0"></field>');
  assert.ok(fields > 47_000, `${fields} fields`);
  // The scanner's expression runs over all of it (no RangeError), and leaves the repeated ids to the full parser,
  // which does not read a document that long.
  assert.equal(scanIsoMessage(xml), undefined);
  assert.deepEqual(outcome(fromXml, xml), { code: 'ISO8583_ERR_XML' });
});

test('the largest document allowed, of the shortest fields of any form, is refused with a coded error, not a RangeError', () => {
  for (const element of ['<field id="0"/>', '<field id="0">\n</field>\n', "<field id='0'></field>"]) {
    const { xml } = filled(element);
    assert.deepEqual(outcome(fromXml, xml), { code: 'ISO8583_ERR_XML' }, element);
    // As long as the full parser reads, the same fields are refused naming them (the repeated id).
    assert.deepEqual(outcome(fromXml, filled(element, MAX_PARSED_XML_LENGTH).xml), { code: 'ISO8583_ERR_INVALID_MESSAGE' }, element);
  }
});

test('the largest document allowed, of 1000 fields with long values, is read', () => {
  const fields = 1000;
  const markup = (id: number, value: string): string => `<field id="${id}">${value}</field>`;
  const room = MAX_XML_LENGTH - OPEN.length - CLOSE.length - Array.from({ length: fields }, (_, id) => markup(id, '')).join('').length;
  const value = 'A'.repeat(Math.floor(room / fields));
  const body = Array.from({ length: fields }, (_, id) => markup(id, value)).join('');
  const doc = OPEN + body + ' '.repeat(MAX_XML_LENGTH - OPEN.length - CLOSE.length - body.length) + CLOSE;
  assert.equal(doc.length, MAX_XML_LENGTH);
  const read = outcome(fromXml, doc);
  assert.ok('ok' in read, JSON.stringify(read));
  const message = (read.ok as { message: Record<string, unknown> }).message;
  assert.equal(Object.keys(message).length, fields);
  assert.equal(message['999'], value);
});

test('one character over the limit is refused before anything reads it (ISO8583_ERR_XML)', () => {
  const { xml } = filled('<field id="0"></field>', MAX_XML_LENGTH + 1);
  assert.deepEqual(outcome(fromXml, xml), { code: 'ISO8583_ERR_XML' });
});

test('a document outside the canonical shape is read by the full parser up to MAX_PARSED_XML_LENGTH, refused past it', () => {
  // One comment is enough to send a document to the full parser.
  const comment = (length: number): string => {
    const head = '<ISOMessage><!--';
    const tail = '--><data><field id="0">0200</field><field id="3">000000</field></data></ISOMessage>';
    return head + 'x'.repeat(length - head.length - tail.length) + tail;
  };
  const fits = comment(MAX_PARSED_XML_LENGTH);
  assert.equal(scanIsoMessage(fits), undefined);
  assert.deepEqual(outcome(fromXml, fits), { ok: { message: { '0': '0200', '3': '000000' } } });
  assert.throws(() => fromXml(comment(MAX_PARSED_XML_LENGTH + 1)), (err: unknown) => {
    assert.ok(err instanceof Iso8583Error);
    assert.equal(err.code, 'ISO8583_ERR_XML');
    assert.match(err.message, /over 131072 characters, the most read outside the canonical ISOMessage shape/);
    return true;
  });
});

test('a document of more than MAX_XML_REFERENCES entity or character references is refused before it is read', () => {
  // In the canonical shape (the one-pass scanner's): 200,000 `&amp;` in one field held the event loop over a second.
  const doc = (n: number): string => `<ISOMessage><data><field id="0">0200</field><field id="48">${'&amp;&#52;'.repeat(n / 2)}</field></data></ISOMessage>`;
  const fits = outcome(fromXml, doc(MAX_XML_REFERENCES));
  assert.deepEqual(fits, { ok: { message: { '0': '0200', '48': '&4'.repeat(MAX_XML_REFERENCES / 2) } } });
  assert.throws(() => fromXml(doc(MAX_XML_REFERENCES + 2)), (err: unknown) => {
    assert.ok(err instanceof Iso8583Error);
    assert.equal(err.code, 'ISO8583_ERR_XML');
    assert.match(err.message, new RegExp(`over ${MAX_XML_REFERENCES} entity or character references`));
    return true;
  });
});

test('fromXml – an unclosed comment, CDATA section or processing instruction is refused in one pass (16, 64, 128 KiB)', () => {
  const shapes: [string, (n: number) => string, string][] = [
    ['comments', (n) => '<ISOMessage>' + '<!--'.repeat(n / 4), 'a comment ("<!--")'],
    ['after a document', (n) => '<ISOMessage><data><field id="0">0200</field></data></ISOMessage><!--' + '<!-'.repeat(n / 3), 'a comment ("<!--")'],
    ['CDATA', (n) => '<ISOMessage><!-- c -->' + '<![CDATA['.repeat(n / 9), 'a CDATA section ("<![CDATA[")'],
    ['processing instructions', (n) => '<ISOMessage><!-- c -->' + '<?'.repeat(n / 2), 'a processing instruction ("<?")'],
  ];
  for (const [name, make, what] of shapes) {
    // Was: the section regular expressions scanned from every "<!--" to the end (128 KiB: 12 s).
    for (const kib of [16, 64, 127]) {
      assert.throws(() => fromXml(make(kib * 1024)), { code: 'ISO8583_ERR_XML', message: `the XML is not well formed: ${what} is never closed` }, `${name} at ${kib} KiB`);
    }
  }
  // "<!--" inside CDATA, and "<![CDATA[" inside a comment, open nothing.
  assert.deepEqual(fromXml('<ISOMessage><!-- <![CDATA[ --><data><field id="48"><![CDATA[<!--]]></field></data></ISOMessage>').message, { '48': '<!--' });
});
