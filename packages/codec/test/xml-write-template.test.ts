/**
 * `toXml`'s byte templates (`xml-write-template.ts`) against the path without them (`writeXmlText`): for random
 * messages, written again and again with the same value lengths (so that templates are made and used), with values
 * that need escaping, that XML cannot carry or that lie above U+00FF mixed in, `toXml` gives exactly the text (or the
 * refusal) of the path without templates, and a template leaves nothing of a message behind for the next one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { createCodec, toXml } from '../src/index.js';
import type { IsoMessage } from '../src/index.js';
import { writeXmlText } from '../src/views/xml-writer.js';
import { ByteTemplates } from '../src/views/xml-write-template.js';
import { COMPOSITE_DIALECT, messageArbitrary } from './message-arbitrary.js';

/** What writing gives: the text, or the error's code and text. */
function outcome(write: () => string): unknown {
  try {
    return { ok: write() };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { code: e.code, message: e.message };
  }
}

/** Characters put in place of one character of a value (same length: the template of the lengths still fits). */
const SWAPS = ['&', '<', '>', '"', "'", '\r', '\n', '\t', '\u0001', '\u007F', 'é', '\u00FF', '\u0100', '€', '\uD83D', '\uFFFE'];

const swap = fc.record({ field: fc.nat(), at: fc.nat(), char: fc.constantFrom(...SWAPS) });

/** The message with one character of one string value replaced (lengths unchanged). */
function swapped(message: IsoMessage, s: { field: number; at: number; char: string }): IsoMessage {
  const ids = Object.keys(message).filter((id) => typeof message[id] === 'string' && (message[id] as string).length > 0);
  if (ids.length === 0) return message;
  const id = ids[s.field % ids.length]!;
  const value = message[id] as string;
  const at = s.at % value.length;
  return { ...message, [id]: value.slice(0, at) + s.char + value.slice(at + 1) };
}

for (const [name, dialect] of [
  ['iso87ascii', createCodec('iso87ascii').dialect],
  ['composite fields', COMPOSITE_DIALECT],
] as const) {
  test(`toXml – ${name}: the byte templates give what the path without them gives`, () => {
    fc.assert(
      fc.property(
        messageArbitrary(dialect),
        fc.boolean(),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 6 }), { nil: undefined }),
        fc.boolean(),
        fc.array(swap, { maxLength: 3 }),
        (message, pretty, header, emv, swaps) => {
          const options = header === undefined ? { pretty, emv } : { pretty, emv, header };
          const base64 = header === undefined ? undefined : Buffer.from(header).toString('base64');
          // The same message three times (a template is made on the second), then each variant, then it again.
          const messages = [message, message, message, ...swaps.map((s) => swapped(message, s)), message];
          for (const m of messages) {
            assert.deepStrictEqual(outcome(() => toXml(m, options)), outcome(() => writeXmlText(m, options, base64)), JSON.stringify(m));
          }
        },
      ),
      propertyRuns(1500),
    );
  });
}

test('toXml – a template is used for messages of one shape and lengths, and each comes out with its own values', () => {
  const purchase = (stan: number, pan: string): IsoMessage => ({
    '0': '0200', '2': pan, '3': '000000', '4': '000000001000', '11': String(stan).padStart(6, '0'), '41': 'TERM0001',
    '35': `${pan}=29122010000000000000`,
  });
  for (let stan = 1; stan <= 40; stan++) {
    // Two card lengths in turn: two templates of one shape.
    const message = purchase(stan, stan % 2 === 0 ? '4111111111111111' : '5555555555554444000');
    const xml = toXml(message, { header: Buffer.from([0x60, 0, 0x03, 0, 0]) });
    assert.equal(xml, writeXmlText(message, {}, 'YAADAAA='));
    assert.match(xml, new RegExp(`<field id="11">${String(stan).padStart(6, '0')}</field>`));
  }
});

test('toXml – a value that cannot come from a template is written the other way, and the next message comes out right', () => {
  const message = { '0': '0200', '2': '4111111111111111', '41': 'TERM0001' };
  toXml(message);
  toXml(message);
  // Same lengths: the template's; the PAN is written, then field 41 needs escaping: the template hands over.
  const escaped = { '0': '0210', '2': '5555555555554444', '41': 'TERM&001' };
  assert.match(toXml(escaped), /TERM&amp;001/);
  const next = { '0': '0200', '2': '4111111111111111', '41': 'TERM0002' };
  assert.equal(toXml(next), writeXmlText(next, {}, undefined));
  assert.doesNotMatch(toXml(next), /5555/);
});

test('toXml – a byte template keeps no value between writes (markup and blanks only), also after handing over', () => {
  const templates = new ByteTemplates();
  const layout = { ids: [0, 2, 41], before: ['<field id="0">', '</field><field id="2">', '</field><field id="41">'], step: '', nl: '' };
  const pan = { '0': '0200', '2': '4111111111111111', '41': 'TERM0001' };
  assert.equal(templates.write(pan, layout, undefined), undefined, 'first sight of these lengths: no template yet');
  assert.equal(templates.write(pan, layout, undefined), writeXmlText(pan, { pretty: false }, undefined));
  const blank = '<ISOMessage><data><field id="0">    </field><field id="2">                </field><field id="41">        </field></data></ISOMessage>';
  const kept = (): string[] =>
    (templates as unknown as { templates: object[] }).templates.map((t) => (t as { work: Buffer }).work.toString('latin1'));
  assert.deepEqual(kept(), [blank]);
  // Half written (the PAN), then field 41 needs escaping: handed over, and the PAN is gone from the template too.
  assert.equal(templates.write({ ...pan, '2': '5555555555554444', '41': 'TERM&001' }, layout, undefined), undefined);
  assert.deepEqual(kept(), [blank]);
});
