// The sequence logger and card data written as a program dumps bytes (rv67h F1): base64 and base64url of field 55,
// field 52 and `message.raw` (the value at each of the 3 places it may start in a longer base64 text), hex with its byte
// pairs apart (`01 23 45`, `01:23:45`) and a URL-encoded track 1 name: hidden in info lines and in the coded failure
// line of a sequence that throws them. Real sockets on 127.0.0.1, a real pino logger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTlv, resolveDialect } from '@iso8583/codec';
import { base64Cores } from '../src/card-data-forms.js';
import { CardDataMask } from '../src/card-data-mask.js';
import { TestClient, purchase } from './support/client.js';
import { captureLogs } from './support/logs.js';
import { startEndpoint } from './support/endpoint.js';

const PAN = '4761739001010010';
const TRACK2 = `${PAN}=25122011143804480`;
const TRACK1 = `B${PAN}^CARDHOLDER/TEST^2512201114380448000000`;
const PIN_BLOCK = '0123456789ABCDEF';
const ICC = buildTlv([
  { tag: '5A', value: `${PAN}` },
  { tag: '57', value: `${PAN}D2512201114380448F` },
  { tag: '5F20', value: Buffer.from('CARDHOLDER/TEST', 'latin1').toString('hex').toUpperCase() },
  { tag: '9F26', value: 'A1B2C3D4E5F60102' },
]);

const spaced = (hex: string, separator: string): string => hex.match(/../g)!.join(separator);
/** `bytes` inside a longer base64 text: `before` bytes ahead of them (the 3 alignments), 1 after. */
const inBase64 = (bytes: Buffer, before: number): string => Buffer.concat([Buffer.alloc(before, 0x55), bytes, Buffer.from([0x77])]).toString('base64');

test('card data – base64 (3 alignments, either alphabet), spaced hex and a URL-encoded name of field 55, 52 and the raw message are hidden (rv67h F1)', async (t) => {
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, {
    logger: logs.logger,
    sequence: (m, context) => {
      const icc = Buffer.from(m.fields['55'] as string, 'hex');
      const pin = Buffer.from(m.fields['52'] as string, 'hex');
      for (const before of [0, 1, 2]) {
        context.logger.info({ body: { iccData: inBase64(icc, before), pinBlock: inBase64(pin, before), raw: inBase64(m.raw, before) } }, `b64 ${before}`);
        context.logger.info(`b64url ${Buffer.concat([Buffer.alloc(before), icc]).toString('base64url')} ${Buffer.concat([Buffer.alloc(before), m.raw]).toString('base64url')}`);
      }
      context.logger.info(`alone ${icc.toString('base64')} ${pin.toString('base64')} ${m.raw.toString('base64')}`);
      for (const separator of [' ', ':']) {
        context.logger.info(`spaced ${spaced(m.fields['55'] as string, separator)} ${spaced(m.fields['52'] as string, separator)} ${spaced(m.raw.toString('hex'), separator)}`);
      }
      context.logger.info(`url ${encodeURIComponent(m.fields['45'] as string)} ${encodeURIComponent(m.fields['35'] as string)}`);
      if (m.fields['11'] === '000002') throw new Error(`refused ${inBase64(m.raw, 1)} ${inBase64(icc, 2)} ${spaced(m.fields['55'] as string, ' ')}`);
      return { 0: '0210', 11: m.fields['11'] as string, 39: '00' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const fields = { 35: TRACK2, 45: TRACK1, 52: PIN_BLOCK, 55: ICC };
  assert.equal((await client.request(purchase(1, fields))).fields['39'], '00');
  assert.equal((await client.request(purchase(2, fields))).fields['39'], '96');
  await endpoint.close();
  const text = logs.text();
  assert.match(text, /ISO8583_ERR_INBOUND_SEQUENCE_FAILED/);
  assert.match(text, /b64 2/, 'the lines were written');
  const secrets: [string, string][] = [['the PAN', PAN], ['the name', 'CARDHOLDER%2FTEST']];
  for (const [name, hex] of [['field 55', ICC], ['field 52', PIN_BLOCK], ['the PAN as ASCII', Buffer.from(PAN).toString('hex')], ['the track 2 tail', Buffer.from('25122011143804480').toString('hex')]] as const) {
    for (const core of base64Cores(Buffer.from(hex, 'hex'))) secrets.push([`${name} in base64`, core]);
    for (const separator of [' ', ':']) secrets.push([`${name} spaced`, spaced(hex, separator)], [`${name} spaced, lower case`, spaced(hex.toLowerCase(), separator)]);
  }
  for (const [name, secret] of secrets) assert.ok(!text.includes(secret), `the log shows ${name}`);
  for (const line of text.split('\n').filter((l) => /b64|alone|spaced|url|SEQUENCE_FAILED/.test(l))) {
    // No 12 base64 characters in a row survive of any form of field 55 or the raw message: what is left is stars.
    for (const bytes of [Buffer.from(ICC, 'hex'), Buffer.from(PAN)]) {
      for (const before of [0, 1, 2]) {
        const whole = Buffer.concat([Buffer.alloc(before, 0x55), bytes]).toString('base64').slice(4, 16);
        assert.ok(!line.includes(whole) && !line.includes(whole.replaceAll('+', '-').replaceAll('/', '_')), `${line.slice(0, 60)}... shows base64 of card data`);
      }
    }
  }
});

test('base64Cores – every base64 text holding the bytes holds one of them; runs under 8 characters are left out', () => {
  const bytes = Buffer.from(PIN_BLOCK, 'hex');
  const cores = base64Cores(bytes);
  for (let before = 0; before < 6; before++) {
    for (let after = 0; after < 4; after++) {
      const text = Buffer.concat([Buffer.alloc(before, 7), bytes, Buffer.alloc(after, 9)]);
      assert.ok(cores.some((c) => text.toString('base64').includes(c)), `${before} before, ${after} after`);
      assert.ok(cores.some((c) => text.toString('base64url').includes(c)), `${before} before, ${after} after, URL-safe`);
    }
  }
  assert.deepEqual(base64Cores(Buffer.from('1234')), ['MTIzNA==']);
  assert.deepEqual(base64Cores(Buffer.from('123')), []);
});

test('card data – 6 bytes (a PAN of 12 digits as BCD in tag 5A) inside a longer base64 text are hidden at each of the 3 places they may start (fix68d #2)', () => {
  const short = '476173900101';
  const bcd = Buffer.from(short, 'hex');
  const mask = CardDataMask.of({ 0: '0200', 11: '000123', 55: buildTlv([{ tag: '5A', value: short }]) }, resolveDialect('iso87ascii'));
  for (const before of [0, 1, 2]) {
    for (const after of [0, 1, 2]) {
      const blob = Buffer.concat([Buffer.alloc(before, 0x55), bcd, Buffer.alloc(after, 0x77)]).toString('base64');
      // The characters that carry the 6 bytes alone (7 or 8 of them): none may survive.
      const own = blob.slice(Math.ceil((8 * before) / 6), Math.floor((8 * (before + bcd.length)) / 6));
      const masked = mask.text(`b64 ${blob} url ${blob.replaceAll('+', '-').replaceAll('/', '_')}`);
      assert.ok(own.length >= 7 && !masked.includes(own), `${before} before, ${after} after: ${masked}`);
    }
  }
  assert.equal(base64Cores(bcd).length, 3, 'one core at each of the 3 places');
});

test('card data – a field holding a lone surrogate (no URL form: encodeURIComponent throws) still gets its mask; its other forms hidden', () => {
  // Before the fix (sr67i item 5) the mask's build threw URIError: the message's lines were lost and the sequence's
  // `context.logger` threw into it.
  const track1 = `B${PAN}^CARDHOLDER/TEST\ud800^2512201114380448000000`;
  const mask = CardDataMask.of({ 0: '0200', 2: PAN, 11: '000123', 45: track1 }, resolveDialect('iso87ascii'));
  const text = mask.text(`name ${track1} upper ${track1.toUpperCase()} pan ${PAN}`);
  assert.ok(!text.includes(PAN) && !text.includes('CARDHOLDER'), 'the card data is hidden');
  assert.match(text, /pan 476173\*{6}0010/);
  // Its URL form as URLSearchParams writes it (U+FFFD for the surrogate, sr67o #1): the name hidden too.
  const query = mask.text(new URLSearchParams({ t: track1 }).toString());
  assert.ok(!query.includes('CARDHOLDER'), query);
});
