// The sequence logs' XML mask and field 55 as EMV `<tag>` elements: a tag id is kept only when the tags read without
// doubt (the codec's describableTlv); after a short 5A the "tags" are PAN digits, and the field shows its size only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { resolveDialect, toXml } from '@iso8583/codec';
import { maskXml } from '../src/xml-mask.js';
import { TestClient, purchase } from './support/client.js';
import { captureLogs } from './support/logs.js';
import { startEndpoint } from './support/endpoint.js';

const PAN = '5105105105105100';
const REST = '5F2A0209789F02060000000010009F03060000000000009F1A020250';
/** 5A04 for an 8-byte PAN: 51 05 10 51 read as 5A's value, then `05` (two PAN digits) as a tag of 16 bytes. */
const SHORT_5A = `5A04${PAN}${REST}`;
const GOOD = `5A08${PAN}${REST}`;
const dialect = resolveDialect('iso87binary');

test('maskXml – field 55 whose tags are PAN digits read as tags shows its size only (was <tag id="05">)', () => {
  const masked = maskXml(toXml({ 0: '0200', 55: SHORT_5A }, { emv: true }), dialect);
  assert.match(masked, /<field id="55">EMV\[38 bytes\]<\/field>/);
  assert.doesNotMatch(masked, /<tag/);
  const good = maskXml(toXml({ 0: '0200', 55: GOOD }, { emv: true }), dialect);
  assert.match(good, /<tag id="5A">\*{16}<\/tag>\s*<tag id="5F2A">\*{4}<\/tag>/, 'tags that read without doubt are kept');
});

test('maskXml – an id inside field 55 that is no BER-TLV tag (a PAN, a name, track data) is starred', () => {
  for (const id of ['4761739001010010', '4761 7390 0101 0010', 'DOE/JOHN', '4761739001010010D25122010000000000000F']) {
    const masked = maskXml(`<isomsg><field id="0" value="0200"/><field id="55"><tag id="${id}">01</tag></field></isomsg>`, dialect);
    assert.ok(masked.includes(`<tag id="${'*'.repeat(id.length)}">**</tag>`), masked);
  }
  // Markup the codec does not read as EMV data (a comment between tags): starred, ids too, even tag-shaped ones.
  const odd = maskXml('<isomsg><field id="55"><tag id="47">01</tag><!-- x --><tag id="61">01</tag></field></isomsg>', dialect);
  assert.ok(!/id="(47|61)"/.test(odd), odd);
});

test('card data – a sequence that logs field 55 as EMV XML: tags kept when they read without doubt, else its size', async (t) => {
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, {
    logger: logs.logger,
    sequence: (m, context) => {
      context.logger.info({ xml: toXml(m.fields, { emv: true }) }, 'request');
      return { 0: '0210', 11: m.fields['11'] as string, 39: '00' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1, { 2: PAN, 55: SHORT_5A }))).fields['39'], '00');
  assert.equal((await client.request(purchase(2, { 2: PAN, 55: GOOD }))).fields['39'], '00');
  await endpoint.close();
  const [short, good] = logs.text().split('\n').filter((line) => line.includes('"request"'));
  assert.ok(short !== undefined && good !== undefined, logs.text());
  assert.match(short, /EMV\[38 bytes\]/);
  assert.doesNotMatch(short, /<tag/);
  assert.match(good, /<tag id=\\"5A\\">\*{16}<\/tag>/);
  assert.match(good, /<tag id=\\"9F1A\\">/);
});

test('fuzz – maskXml on hostile field 55 content (tags, PAN ids, attributes, comments, CDATA): no 7 PAN digits in a row', () => {
  const pan = '4761739001010010';
  const id = fc.oneof(fc.constantFrom('5A', '57', '9F26', '70', 'E1', '05', pan, pan.slice(0, 8), 'DOE/JOHN', '&#52;7'), fc.stringMatching(/^[0-9A-F]{2,4}$/));
  const token = fc.oneof(
    id.map((i) => `<tag id="${i}">`),
    id.map((i) => `<tag id="${i}"/>`),
    id.map((i) => `<tag id="${i}" value="${pan}"/>`),
    fc.constant('</tag>'),
    fc.constantFrom(pan, `5A08${pan}`, `${pan}D2512201`, ' ', '<!-- x -->', `<![CDATA[${pan}]]>`, '<?pi x?>'),
    fc.stringMatching(/^([0-9A-F]{2}){0,8}$/),
  );
  fc.assert(
    fc.property(fc.array(token, { maxLength: 24 }), (tokens) => {
      const masked = maskXml(`<isomsg><field id="0" value="0200"/><field id="55">${tokens.join('')}</field></isomsg>`, dialect);
      for (let k = 0; k + 7 <= pan.length; k++) assert.ok(!masked.includes(pan.slice(k, k + 7)), masked);
      assert.ok(!masked.includes('DOE/JOHN'), masked);
    }),
    propertyRuns(500),
  );
});
