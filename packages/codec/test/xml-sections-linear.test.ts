/**
 * Comments, CDATA sections and processing instructions are read away in one left-to-right walk before any check: a
 * `<!--` inside a processing instruction opens nothing (it made a regular expression scan to the end of the text from
 * each one, about 4 s for 128 KiB), and hides no DOCTYPE between it and a later comment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PARSED_XML_LENGTH, fromXml } from '../src/index.js';
import { readSections } from '../src/views/xml-unclosed.js';

const DATA = '<data><field id="0">0200</field></data>';

test('fromXml – a DOCTYPE between a processing instruction holding "<!--" and a later comment is refused', () => {
  const xml = `<?x <!-- ?><!DOCTYPE ISOMessage SYSTEM "file:///etc/passwd"><ISOMessage>${DATA}<!-- --></ISOMessage>`;
  assert.throws(() => fromXml(xml), { code: 'ISO8583_ERR_XML', message: 'a DOCTYPE is not allowed in an ISOMessage document' });
  // A "<!DOCTYPE" inside a processing instruction, a comment or CDATA is text, as before.
  assert.deepEqual(fromXml(`<ISOMessage><?x <!DOCTYPE ?><!-- <!DOCTYPE -->${DATA}</ISOMessage>`).message, { '0': '0200' });
});

test('fromXml – a processing instruction full of "<!--" or "<![CDATA[" up to the size bound is read, linearly', () => {
  for (const unit of ['<!--', '<![CDATA[']) {
    const pi = `<?x ${unit.repeat(Math.floor((MAX_PARSED_XML_LENGTH - 200) / unit.length))}?>`;
    assert.deepEqual(fromXml(`<ISOMessage>${pi}${DATA}</ISOMessage>`).message, { '0': '0200' });
  }
});

test('readSections – 16 MiB of "<!--" in one processing instruction: one pass (a scan per "<!--" would take hours)', () => {
  // Quadratic in this size is some 4 million scans of up to 16 MiB each: the test would never end, with no clock read.
  const big = `<a/><?x ${'<!--'.repeat(4 * 1024 * 1024)}?><b/>`;
  assert.deepEqual(readSections(big), { outside: '<a/><b/>' });
  assert.deepEqual(readSections('t<!--c--><![CDATA[d]]><?p?>u'), { outside: 'tu' });
  assert.deepEqual(readSections('t<!--c--><![CDATA[d]]><?p?>u<!-- never closed'), { unclosed: 'a comment ("<!--")' });
  assert.deepEqual(readSections('<a/><![CDATA[<!--]]><?p'), { unclosed: 'a processing instruction ("<?")' });
});
