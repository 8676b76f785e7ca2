/**
 * The per-shape paths of the XML view: `toXml` writing a message of a known list of keys from its markup, and the
 * scanner cloning a message object per list of ids. Whatever the shapes seen before, in whatever order, each message
 * comes out exactly as the documented format says, and each read gives a message of its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error, fromXml, toXml } from '../src/index.js';
import type { IsoMessage } from '../src/index.js';
import { parseXmlMessage } from '../src/views/xml-reader.js';
import { scanIsoMessage } from '../src/views/xml-scan.js';

/** The documented format, written the plain way: fields ascending, field 1 left out, values escaped. */
function reference(message: Record<string, string>, pretty = true): string {
  const nl = pretty ? '\n' : '';
  const step = pretty ? '  ' : '';
  const escape = (v: string): string =>
    v.replace(/[&<>"\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;' })[c]!);
  const ids = Object.keys(message).filter((id) => id !== '1').sort((a, b) => Number(a) - Number(b));
  const fields = ids.map((id) => `${step}${step}<field id="${id}">${escape(message[id]!)}</field>${nl}`).join('');
  return `<ISOMessage>${nl}${step}<data>${nl}${fields}${step}</data>${nl}</ISOMessage>`;
}

const PURCHASE = { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': '000001', '41': 'TERM0001' };

test('toXml – messages of one shape come out each with its own values', () => {
  for (let stan = 1; stan <= 50; stan++) {
    const message = { ...PURCHASE, '11': String(stan).padStart(6, '0') };
    assert.equal(toXml(message), reference(message));
    assert.equal(toXml(message, { pretty: false }), reference(message, false));
  }
});

test('toXml – a message of a known shape whose values need escaping is escaped', () => {
  assert.equal(toXml(PURCHASE), reference(PURCHASE));
  const escaped = { ...PURCHASE, '41': 'A&B<"\r>' };
  assert.equal(toXml(escaped), reference(escaped));
  assert.match(toXml(escaped), /<field id="41">A&amp;B&lt;&quot;&#13;&gt;<\/field>/);
  // Then the plain message of that shape again: nothing of the escaped one stays.
  assert.equal(toXml(PURCHASE), reference(PURCHASE));
});

test('toXml – a value XML cannot carry is refused in a known shape too', () => {
  assert.equal(toXml(PURCHASE), reference(PURCHASE));
  assert.throws(
    () => toXml({ ...PURCHASE, '41': 'TERM\u0001' }),
    (err: unknown) => err instanceof Iso8583Error && err.code === 'ISO8583_ERR_INVALID_MESSAGE' && /41/.test(err.message),
  );
});

test('toXml – more shapes than the writer keeps, in turn, each come out right', () => {
  const shapes: Record<string, string>[] = [];
  // Lists of every length, and lists of one length with other ids.
  for (let n = 0; n < 20; n++) {
    const message: Record<string, string> = { '0': '0200', '1': 'IGNORED' };
    for (let id = 2; id <= 2 + n; id++) message[String(id * 3)] = `V${id}-${n}`;
    shapes.push(message);
    shapes.push({ '0': '0210', [String(n + 2)]: `A${n}`, [String(n + 100)]: `B${n}` });
  }
  for (let round = 0; round < 3; round++) {
    for (const message of shapes) assert.equal(toXml(message), reference(message));
  }
});

test('toXml – field 55 in the EMV view is written as tags even in a shape seen without the view', () => {
  const message = { '0': '0200', '55': '9F02060000000010009F2701' + '80' };
  assert.equal(toXml(message), reference(message));
  const emv = toXml(message, { emv: true });
  assert.match(emv, /<tag id="9F02">000000001000<\/tag>/);
  assert.deepEqual(fromXml(emv).message, message);
});

test('toXml – keys given out of order or not field numbers take the general path', () => {
  const target = { '0': '0200', '3': '000000', '11': '000001' };
  const reversed = new Proxy(target, { ownKeys: () => ['11', '3', '0'] });
  assert.equal(toXml(reversed as IsoMessage), reference(target));
  assert.throws(
    () => toXml({ '0': '0200', '03': '000000' }),
    (err: unknown) => err instanceof Iso8583Error && err.code === 'ISO8583_ERR_INVALID_MESSAGE' && /03/.test(err.message),
  );
});

test('xml scanner – reads ids out of order, as a sequence that appends field 39 before </data> sends them', () => {
  const xml = toXml(PURCHASE).replace('</data>', '<field id="39">00</field></data>');
  const scanned = scanIsoMessage(xml);
  assert.ok(scanned !== undefined, 'the scanner reads it itself');
  assert.deepEqual(scanned, parseXmlMessage(xml));
  assert.deepEqual(scanned.message, { ...PURCHASE, '39': '00' });
});

test('xml scanner – a repeated id is handed over and refused, also in a list of ids seen before', () => {
  const good = '<ISOMessage><data><field id="0">0200</field><field id="11">000001</field></data></ISOMessage>';
  const twice = '<ISOMessage><data><field id="0">0200</field><field id="0">0210</field></data></ISOMessage>';
  const later = '<ISOMessage><data><field id="11">1</field><field id="0">0200</field><field id="11">2</field></data></ISOMessage>';
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(scanIsoMessage(good)?.message, { '0': '0200', '11': '000001' });
    for (const xml of [twice, later]) {
      assert.equal(scanIsoMessage(xml), undefined, xml);
      assert.throws(
        () => fromXml(xml),
        (err: unknown) => err instanceof Iso8583Error && err.code === 'ISO8583_ERR_INVALID_MESSAGE',
      );
    }
  }
});

test('xml scanner – each read gives a message of its own (a change to one does not reach the next)', () => {
  const xml = toXml(PURCHASE);
  const first = fromXml(xml).message;
  first['2'] = 'CHANGED';
  first['99'] = 'ADDED';
  delete first['3'];
  assert.deepEqual(fromXml(xml).message, PURCHASE);
});

test('xml scanner – more id lists than it keeps, in turn and in both orders, each read right', () => {
  const lists: string[][] = [];
  for (let n = 1; n <= 80; n++) lists.push(Array.from({ length: 1 + (n % 7) }, (_, i) => String((n * 7 + i * 13) % 192)));
  for (let round = 0; round < 2; round++) {
    for (const ids of lists) {
      const unique = [...new Set(ids)];
      for (const order of [unique, [...unique].reverse()]) {
        const fields = order.map((id) => `<field id="${id}">v${id}</field>`).join('\n');
        const xml = `<ISOMessage>\n<data>\n${fields}\n</data>\n</ISOMessage>`;
        const scanned = scanIsoMessage(xml);
        assert.ok(scanned !== undefined, xml);
        assert.deepEqual(scanned, parseXmlMessage(xml));
        assert.deepEqual(Object.keys(scanned.message), [...unique].sort((a, b) => Number(a) - Number(b)));
      }
    }
  }
});
