/**
 * What `fromXml` reads and refuses around headers, DOCTYPEs, deep EMV data, hostile names, characters XML 1.0 does
 * not allow, `]]>` in text, white space in a jPOS `value` attribute and references in an `id`, and how long the
 * text of an invalid-input error may grow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error, MAX_PROBLEMS_IN_TEXT, fromXml } from '../src/index.js';

function refusal(xml: string): Iso8583Error {
  try {
    fromXml(xml);
  } catch (err) {
    assert.ok(err instanceof Iso8583Error);
    return err;
  }
  assert.fail('fromXml accepted the document');
}

test('fromXml – the top-level <header> of a jPOS XMLPackager dump is the message header (hex), refused when not hex', () => {
  const read = fromXml('<isomsg><header>F1D9D6</header><field id="0" value="0200"/></isomsg>');
  assert.deepEqual(read, { message: { '0': '0200' }, header: Buffer.from('F1D9D6', 'hex') });
  const bad = refusal('<isomsg><header>4761739001010010=2512</header><field id="0" value="0200"/></isomsg>');
  assert.equal(bad.code, 'ISO8583_ERR_INVALID_MESSAGE');
  assert.deepEqual(bad.problems, [{ field: 'header', code: 'ISO8583_ERR_HEADER', reason: 'the header is not hex' }]);
  assert.doesNotMatch(bad.message, /4761739001010010/);
});

test('fromXml – a <header> given twice (of the message or of a composite field) is refused, not replaced', () => {
  assert.deepEqual(refusal('<isomsg><header>F1</header><header>F2</header><field id="0" value="0200"/></isomsg>').problems, [
    { field: 'header', code: 'ISO8583_ERR_HEADER', reason: 'the header is given twice' },
  ]);
  const composite = '<isomsg><field id="0" value="0200"/><isomsg id="127"><header>11</header><header>22</header></isomsg></isomsg>';
  assert.deepEqual(refusal(composite).problems, [{ field: '127.header', code: 'ISO8583_ERR_HEADER', reason: 'the header is given twice' }]);
});

test('fromXml – "<!DOCTYPE" inside a comment or CDATA is text; a DOCTYPE declaration is refused', () => {
  const cdata = '<ISOMessage><data><field id="48"><![CDATA[<!DOCTYPE x>]]></field></data></ISOMessage>';
  assert.deepEqual(fromXml(cdata).message, { '48': '<!DOCTYPE x>' });
  assert.deepEqual(fromXml('<ISOMessage><!-- <!doctype --><data><field id="48">x</field></data></ISOMessage>').message, { '48': 'x' });
  const declared = refusal('<!-- a --><!DOCTYPE ISOMessage><ISOMessage><data><field id="48">x</field></data></ISOMessage>');
  assert.equal(declared.code, 'ISO8583_ERR_XML');
});

test('fromXml – EMV <tag> elements nested deeper than BER-TLV allows are reported as such', () => {
  let tags = '<tag id="9F26">01</tag>';
  for (let i = 0; i < 10; i++) tags = `<tag id="70">${tags}</tag>`;
  const err = refusal(`<ISOMessage><data><field id="55">${tags}</field></data></ISOMessage>`);
  assert.deepEqual(err.problems, [{ field: '55', code: 'ISO8583_ERR_TLV', reason: '<tag> elements nested more than 8 deep' }]);
});

test('fromXml – an EMV <tag> with an attribute but id is refused, named by its path (a value= was dropped: 5A00 built)', () => {
  const jpos = refusal('<isomsg><field id="0" value="0200"/><field id="55"><tag id="5A" value="4761739001010010"/><tag id="9F27" value="80"/></field></isomsg>');
  assert.equal(jpos.code, 'ISO8583_ERR_INVALID_MESSAGE');
  assert.deepEqual(jpos.problems, [{ field: '55.5A', code: 'ISO8583_ERR_XML', reason: 'unexpected attributes (value)' }]);
  assert.doesNotMatch(jpos.message, /4761739001010010/);
  const nested = refusal('<ISOMessage><data><field id="0">0200</field><field id="55"><tag id="70"><tag id="9f26" foo="x" bar="y">01</tag></tag></field></data></ISOMessage>');
  assert.deepEqual(nested.problems, [{ field: '55.70.9F26', code: 'ISO8583_ERR_XML', reason: 'unexpected attributes (foo and 1 more)' }]);
  const panId = refusal('<isomsg><field id="55"><tag id="4761739001010010" value="01"/></field></isomsg>');
  assert.doesNotMatch(JSON.stringify(panId.problems) + panId.message, /4761/);
  // A namespace declaration is no data: read as before.
  assert.deepEqual(fromXml('<isomsg><field id="55"><tag id="9F27" xmlns:x="urn:x">80</tag></field></isomsg>').message, { '55': '9F270180' });
});

test('fromXml – names from the input never carry card data into an error: more than 4 digits in a name show as #', () => {
  const attributes = refusal('<ISOMessage><data><field id="2" _47617="" _39001="" _01001="" _0="">x</field></data></ISOMessage>');
  assert.equal(attributes.message, 'invalid XML message: 2 (unexpected attributes (_##### and 3 more))');
  const elements = refusal(`<ISOMessage><data>${['47617', '39001', '01001'].map((d) => `<a${d}/>`).join('')}</data></ISOMessage>`);
  assert.doesNotMatch(JSON.stringify(elements.problems) + elements.message, /4761|3900|0100/);
  assert.equal(elements.problems![0]!.field, 'data/a#####[1]');
  // A mistyped field number shows as it is.
  assert.equal(refusal('<ISOMessage><data><field id="0004">1</field><x9F26/></data></ISOMessage>').problems![1]!.field, 'data/x9F26[2]');
});

test('an invalid-input error lists the first problems in its text and how many more; `problems` holds them all', () => {
  const fields = Array.from({ length: 5000 }, (_, i) => `<field id="${i % 100}">1</field>`).join('');
  const err = refusal(`<ISOMessage><data>${fields}</data></ISOMessage>`);
  assert.equal(err.problems!.length, 4900);
  assert.equal(err.message.split('; ').length, MAX_PROBLEMS_IN_TEXT + 1);
  assert.match(err.message, /; and 4880 more$/);
  assert.ok(err.message.length < 1000, `${err.message.length} characters`);
});

test('fromXml – a character XML 1.0 does not allow (a control character, U+FFFE, a lone surrogate) is refused, as toXml refuses to write it', () => {
  for (const bad of ['\u0001', '\u001F', '\uFFFE', '\uFFFF', '\uD800', '\uDC00']) {
    for (const xml of [
      `<ISOMessage><data><field id="48">A${bad}B</field></data></ISOMessage>`,
      `<isomsg><field id="48" value="A${bad}B"/></isomsg>`,
      `<ISOMessage><data><field id="48"><![CDATA[A${bad}B]]></field></data></ISOMessage>`,
      `<ISOMessage><!-- ${bad} --><data><field id="48">AB</field></data></ISOMessage>`,
    ]) {
      const err = refusal(xml);
      assert.equal(err.code, 'ISO8583_ERR_XML', JSON.stringify(xml));
      assert.doesNotMatch(err.message, /AB|A.B/);
    }
  }
  // Tab, line feed, carriage return and a pair of surrogates are characters of XML 1.0.
  assert.deepEqual(fromXml('<ISOMessage><data><field id="48">A\tB\n\uD83D\uDE00</field></data></ISOMessage>').message, { '48': 'A\tB\n\uD83D\uDE00' });
});

test('fromXml – a jPOS value attribute reads as XML 1.0 reads an attribute: a tab or line end written as such is a space', () => {
  const read = fromXml('<isomsg><field id="43" value="ACME\tSHOP\nPARIS\r\nFR\rX"/><field id="48" value="A&#9;B&#10;C&#13;D"/></isomsg>');
  // Written as character references (as jPOS's ISOUtil.normalize may write them), they stay what they say.
  assert.deepEqual(read.message, { '43': 'ACME SHOP PARIS FR X', '48': 'A\tB\nC\rD' });
});

test('fromXml – an id attribute is read as XML reads it: a character reference there is the character', () => {
  const xml = '<ISOMessage><data><field id="&#52;8">A</field><field id="5&#x35;"><tag id="9F&#50;6">0102</tag></field></data></ISOMessage>';
  assert.deepEqual(fromXml(xml).message, { '48': 'A', '55': '9F26020102' });
  assert.deepEqual(fromXml('<isomsg><field id="&#48;" value="0200"/></isomsg>').message, { '0': '0200' });
  // An unknown entity is no id.
  assert.equal(refusal('<ISOMessage><data><field id="&x;8">A</field></data></ISOMessage>').problems![0]!.code, 'ISO8583_ERR_FIELD_ID');
});

test('fromXml – "]]>" in text outside a CDATA section is refused (not well formed); in CDATA, a comment or an attribute it is text', () => {
  for (const xml of [
    '<ISOMessage><data><field id="48">A]]>B</field></data></ISOMessage>',
    '<isomsg><field id="48" value="A"/>]]></isomsg>',
    '<ISOMessage><data><field id="48"><![CDATA[A]]>]]></field></data></ISOMessage>',
  ]) {
    const err = refusal(xml);
    assert.equal(err.code, 'ISO8583_ERR_XML', xml);
    assert.doesNotMatch(err.message, /A\]/);
  }
  assert.deepEqual(fromXml('<ISOMessage><data><field id="48"><![CDATA[A]]]]><![CDATA[>B]]></field></data></ISOMessage>').message, { '48': 'A]]>B' });
  assert.deepEqual(fromXml('<ISOMessage><data><field id="48">A]]&gt;B<!-- ]]> --></field></data></ISOMessage>').message, { '48': 'A]]>B' });
  assert.deepEqual(fromXml('<isomsg><field id="48" value="A]]>B"/><?pi ]]>?></isomsg>').message, { '48': 'A]]>B' });
});

test('fromXml – a "<" in an attribute value (not well-formed XML) is refused, not read as text; one escaped is read', () => {
  for (const xml of ['<isomsg><field id="0" value="0200"/><field id="48" value="a<b"/></isomsg>',
    "<isomsg><field id='0' value='0200'/><field id='2' value='<?x?>4111111111111111'/></isomsg>",
    '<ISOMessage><data><field id="0" type="<">0200</field></data></ISOMessage>']) {
    const error = refusal(xml);
    assert.equal(error.code, 'ISO8583_ERR_XML', xml);
    assert.match(error.message, /"<" in an attribute value/);
    assert.doesNotMatch(error.message, /4111/);
  }
  assert.deepEqual(fromXml('<isomsg><field id="0" value="0200"/><field id="48" value="a&lt;b"/><!-- <x a="<"> --></isomsg>').message, { 0: '0200', 48: 'a<b' });
  assert.deepEqual(fromXml('<isomsg><?pi a="<"?><field id="0" value="0200"/><field id="48"><![CDATA[x="<"]]></field></isomsg>').message, { 0: '0200', 48: 'x="<"' });
});

test('fromXml – a comment or CDATA opener inside an attribute value is a "<" in it: refused, never read as a section', () => {
  for (const xml of ['<isomsg><field id="0" value="0200"/><field id="48" value="a<!--x-->b"/></isomsg>',
    '<isomsg><field id="0" value="0200"/><field id="48" value="a<![CDATA[x]]>b"/></isomsg>',
    '<isomsg><field id="0" value="0200"/><field id="48" value="<!--"/><field id="2" value="-->4111111111111111"/></isomsg>',
    "<ISOMessage><data><field id='0' note='<!--'>0200</field><field id='2'>4111111111111111</field><field id='11' note='-->'>000001</field></data></ISOMessage>"]) {
    const error = refusal(xml);
    assert.equal(error.code, 'ISO8583_ERR_XML', xml);
    assert.match(error.message, /"<" in an attribute value/, xml);
    assert.doesNotMatch(`${error.message} ${JSON.stringify(error)}`, /4111/);
  }
});

test('fromXml – a document nested past 100 levels is refused as too deep (ISO8583_ERR_XML), no document text in the error', () => {
  const nested = (levels: number): string =>
    `<ISOMessage><data><field id="48">${'<a>'.repeat(levels)}4761739001010010${'</a>'.repeat(levels)}</field></data></ISOMessage>`;
  // 3 + 97 = 100 levels: read, and refused for what it holds (elements in a field), not for its depth.
  assert.equal(refusal(nested(97)).code, 'ISO8583_ERR_INVALID_MESSAGE');
  for (const levels of [98, 150, 5000]) {
    const err = refusal(nested(levels));
    assert.equal(err.code, 'ISO8583_ERR_XML');
    assert.match(err.message, /nests elements deeper than 100 levels/);
    assert.doesNotMatch(err.message + String(err.stack), /4761739001010010|<a>/);
  }
  // Siblings are no nesting: 500 of them at one level stay well inside the bound.
  const wide = `<isomsg><field id="0" value="0200"/>${'<!-- x -->'.repeat(500)}<field id="48" value="x"/></isomsg>`;
  assert.deepEqual(fromXml(wide).message, { '0': '0200', '48': 'x' });
});

test('fromXml – &constructor;, &toString; and other names of Object.prototype are unknown entities on every path', () => {
  for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
    const paths = {
      // The one-pass scanner (canonical shape), the full parser (a comment sends it there), a jPOS value attribute.
      scanner: `<ISOMessage><data><field id="0">0200</field><field id="48">&${name};</field></data></ISOMessage>`,
      parser: `<ISOMessage><!-- c --><data><field id="0">0200</field><field id="48">&${name};</field></data></ISOMessage>`,
      attribute: `<isomsg><field id="0" value="0200"/><field id="48" value="&${name};"/></isomsg>`,
    };
    for (const [path, xml] of Object.entries(paths)) {
      const err = refusal(xml);
      assert.equal(err.code, 'ISO8583_ERR_INVALID_MESSAGE', `${name} on the ${path} path`);
      assert.deepEqual(err.problems!.map((p) => p.field), ['48'], `${name} on the ${path} path`);
      assert.doesNotMatch(err.message, /native code/);
    }
  }
});

test('fromXml – character references with leading zeros are read as XML reads them, on every path', () => {
  for (const ref of ['&#00000065;', '&#x0000041;', '&#000000000000000000065;', '&#x000000000041;']) {
    const docs = [
      `<ISOMessage><data><field id="48">${ref}</field></data></ISOMessage>`,
      `<ISOMessage><!-- c --><data><field id="48">${ref}</field></data></ISOMessage>`,
      `<isomsg><field id="48" value="${ref}"/></isomsg>`,
    ];
    for (const xml of docs) assert.deepEqual(fromXml(xml).message, { '48': 'A' }, xml);
  }
  // The zeros do not make a character XML refuses, or one past Unicode, acceptable.
  for (const ref of ['&#0000;', '&#x00110000;']) assert.equal(refusal(`<isomsg><field id="48" value="${ref}"/></isomsg>`).code, 'ISO8583_ERR_INVALID_MESSAGE');
});
