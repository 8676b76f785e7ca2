// A value is shown as it is only when it fits its field: a PAN given in a numeric, key or amount field that cannot
// hold it (too long, not digits) is masked like free text, in describe() and maskMessage() alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, getDialect, hexPanRuns, maskFieldValue, maskMessage, maskPan, resolveDialect, summarize } from '../src/index.js';
import type { Dialect, FieldSpec, IsoMessage, MessageInput } from '../src/index.js';
import { assertLinear } from './linear-cost.js';

const PAN = '4761739001010010';
const OTHER = '5413330089010434';

/** A PAN in every field that used to be shown whatever its length: numerics (4, 11, 32), keys (37, 39, 41, 42), an amount (28). */
const TOO_LONG: IsoMessage = {
  '0': '0210',
  '4': PAN,
  '11': PAN,
  '28': `C${PAN}`,
  '32': PAN,
  '37': `${PAN}AB`,
  '39': `ZZ${PAN}`,
  '41': OTHER,
  '42': OTHER,
};

test('mask – a PAN too long for a numeric, key or amount field is masked by describe and maskMessage', () => {
  for (const dialect of ['iso87ascii', 'iso87binary']) {
    const text = describe(TOO_LONG, dialect) + JSON.stringify(maskMessage(TOO_LONG, dialect));
    assert.ok(!text.includes(PAN) && !text.includes(OTHER), `${dialect}: ${text}`);
    assert.ok(text.includes(maskPan(PAN)) && text.includes(maskPan(OTHER)), dialect);
  }
  assert.deepEqual(maskMessage({ '39': `ZZ${PAN}` })['39'], `ZZ${maskPan(PAN)}`);
});

test('mask – a numeric field with letters is free text; a value that fits its field is shown as it is', () => {
  // 12 characters, as field 4 allows, but not digits: an 11-digit run that passes the Luhn check is masked.
  const SHORT_PAN = '79927398713';
  assert.equal(maskMessage({ '4': `X${SHORT_PAN}` })['4'], `X${maskPan(SHORT_PAN)}`);
  assert.notEqual(maskPan(SHORT_PAN), SHORT_PAN);
  const fits: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000001', '28': 'D00000100', '32': '12345678901', '37': '123456789012', '39': '00', '41': 'TERM0001', '42': '123456789012345' };
  assert.deepEqual(maskMessage(fits), fits);
  for (const [field, value] of Object.entries(fits)) assert.ok(describe(fits).includes(`: ${value}`), field);
});

test('mask – a field long enough to hold a whole PAN has its digit runs masked even when the value fits it', () => {
  // 86 (n16), 64 (b8: 16 hex digits), 97 (xn17): each can carry a PAN that fits. (A text key such as the merchant 42
  // is shown when it fits: merchant numbers of 15 digits are common.)
  const AMEX = '378282246310005';
  const message: IsoMessage = { '0': '0500', '86': PAN, '64': OTHER, '88': `0${AMEX}`, '97': `C0${PAN}` };
  for (const dialect of ['iso87ascii', 'iso87binary']) {
    const text = describe(message, dialect) + JSON.stringify(maskMessage(message, dialect));
    for (const secret of [PAN, OTHER, AMEX]) assert.ok(!text.includes(secret), `${dialect}: ${text}`);
  }
  // Totals and a MAC that are no PAN stay readable: leading zeros aside, too few digits to be one.
  const plain: IsoMessage = { '0': '0500', '86': '0000000000012500', '64': 'A1B2C3D4E5F60718' };
  assert.deepEqual(maskMessage(plain), plain);
});

test('mask – a fixed text field of 16 to 19 characters (a jPOS dialect\'s own terminal id or card reference) has its digit runs masked', () => {
  const dialect = resolveDialect('iso87ascii');
  const text = (length: number): FieldSpec => ({ name: `TEXT ${length}`, type: 'ans', length, encoding: 'ascii' });
  const own: Dialect = { ...dialect, fields: { ...dialect.fields, 41: text(16), 44: text(19), 48: text(16) } };
  const message: IsoMessage = { '0': '0200', '41': OTHER, '44': `${PAN}   `, '48': 'TERMINAL-0000001', '42': '123456789012345' };
  const shown = describe(message, own) + JSON.stringify(maskMessage(message, own));
  for (const secret of [PAN, OTHER]) assert.ok(!shown.includes(secret), shown);
  assert.equal(maskMessage(message, own)['41'], maskPan(OTHER));
  assert.equal(maskMessage(message, own)['48'], 'TERMINAL-0000001', 'a key without a PAN-shaped run is shown as it is');
  assert.equal(maskMessage(message, own)['42'], '123456789012345', 'the merchant 42 (ans 15) is a key shown as it is');
});

test('summarize – a terminal id (or any key) longer than field 41 allows is masked as free text (digit runs, hex of a PAN)', () => {
  assert.deepEqual(summarize({ '0': '0200', '11': '000001', '41': OTHER, '39': '00' }), { mti: '0200', stan: '000001', terminal: maskPan(OTHER), responseCode: '00' });
  assert.deepEqual(summarize({ '0': '0210', '11': PAN, '41': 'TERM0001', '39': `ZZ${PAN}` }), { mti: '0210', stan: maskPan(PAN), terminal: 'TERM0001', responseCode: `ZZ${maskPan(PAN)}` });
  assert.equal(summarize({ '41': '12345674' }).terminal, '12345674', 'an 8-digit terminal id is shown even when it passes the Luhn check');
  // A PAN as the hex of its EBCDIC or ASCII bytes (a dialect's own ans 32 field 41, a reply that did not pack) too.
  const ascii = Buffer.from(PAN).toString('hex').toUpperCase();
  assert.deepEqual(summarize({ '11': ebcdicHex(PAN), '41': ascii, '39': `ZZ${ebcdicHex(PAN)}` }), {
    stan: maskFieldValue(ebcdicHex(PAN), undefined, undefined),
    terminal: maskFieldValue(ascii, undefined, undefined),
    responseCode: `ZZ${maskFieldValue(ebcdicHex(PAN), undefined, undefined)}`,
  });
  assert.equal(summarize({ '41': ebcdicHex(PAN) }).terminal, 'F4F7F6F1F7F3************F0F0F1F0');
  assert.equal(summarize({ '41': 'TERMINAL-0000001' }).terminal, 'TERMINAL-0000001');
});

test('maskFieldValue – a binary field carrying EBCDIC text: its EBCDIC digit runs are masked as the digits they spell', () => {
  const dialect = getDialect('iso87ascii');
  dialect.fields['48'] = { ...dialect.fields['48']!, type: 'b', encoding: 'hex', length: 999 };
  const ebcdic = (text: string): string => Buffer.from([...text].map((c) => (c === ' ' ? 0x40 : 0xf0 + Number(c)))).toString('hex').toUpperCase();
  const value = `D7C1D540${ebcdic(PAN)}`;
  assert.equal(maskFieldValue(value, undefined, dialect.fields['48']), `D7C1D540${ebcdic('476173')}${'**'.repeat(6)}${ebcdic('0010')}`);
  assert.match(describe({ 0: '0200', 48: value }, dialect), /48 {2}ADDITIONAL DATA - PRIVATE: D7C1D540F4F7F6F1F7F3\*{12}F0F0F1F0/);
  // The ASCII digits of a PAN are digits in hex too; a short EBCDIC number (a STAN) is shown.
  const ascii = maskFieldValue(`F0F0F0F1F2F3${Buffer.from(PAN).toString('hex')}`, undefined, dialect.fields['48']);
  assert.ok(ascii.startsWith('F0F0F0F1F2F') && !ascii.includes(Buffer.from(PAN).toString('hex').slice(6, 26)), ascii);
  assert.equal(maskFieldValue(`D7C1D540${ebcdic('000123')}`, undefined, dialect.fields['48']), `D7C1D540${ebcdic('000123')}`);
});

test('maskFieldValue – a binary field carrying a card number in groups, as EBCDIC or ASCII text: each hidden digit\'s byte is masked', () => {
  const dialect = getDialect('iso87ascii');
  const spec = { ...dialect.fields['48']!, type: 'b' as const, encoding: 'hex' as const, length: 999 };
  const ebcdic = Buffer.from([0xf4, 0xf7, 0xf6, 0xf1, 0x40, 0xf7, 0xf3, 0xf9, 0xf0, 0x40, 0xf0, 0xf1, 0xf0, 0xf1, 0x40, 0xf0, 0xf0, 0xf1, 0xf0]);
  assert.equal(maskFieldValue(ebcdic.toString('hex').toUpperCase(), undefined, spec), 'F4F7F6F140F7F3****40********40F0F0F1F0');
  const dashed = Buffer.from(ebcdic.map((b) => (b === 0x40 ? 0x60 : b)));
  assert.equal(maskFieldValue(dashed.toString('hex').toUpperCase(), undefined, spec), 'F4F7F6F160F7F3****60********60F0F0F1F0');
  const ascii = Buffer.from('5413-3300-8901-0434').toString('hex').toUpperCase();
  assert.equal(maskFieldValue(ascii, undefined, spec), '353431332D3333****2D********2D30343334');
  // Not a card number: a short EBCDIC number in groups is shown.
  const short = Buffer.from([0xf1, 0xf2, 0x40, 0xf3, 0xf4]).toString('hex').toUpperCase();
  assert.equal(maskFieldValue(short, undefined, spec), short);
});

/** Text as the hex of its EBCDIC bytes (code page 037): digits `Fx`, space `40`, `=` `7E`, `D` `C4`. */
function ebcdicHex(text: string): string {
  const byte: Record<string, number> = { ' ': 0x40, '=': 0x7e, D: 0xc4, d: 0x84 };
  return Buffer.from([...text].map((c) => byte[c] ?? 0xf0 + Number(c))).toString('hex').toUpperCase();
}

test('maskFieldValue – EBCDIC track 2 in a binary field: everything after the separator is hidden, as for ASCII track data', () => {
  const spec = { ...getDialect('iso87ascii').fields['48']!, type: 'b' as const, encoding: 'hex' as const, length: 999 };
  // `d` (EBCDIC 84) as the ASCII reading takes lowercase `d` (64): its expiry and discretionary data were shown.
  for (const separator of ['=', 'D', 'd']) {
    const track = `${PAN}${separator}25121011234567890`;
    const masked = maskFieldValue(ebcdicHex(track), undefined, spec);
    // The PAN as first 6 and last 4, the separator's byte, then stars: no expiry, service code or discretionary data.
    assert.equal(masked, `${ebcdicHex('476173')}${'**'.repeat(6)}${ebcdicHex(`0010${separator}`)}${'**'.repeat(17)}`, separator);
  }
});

test('maskFieldValue – EBCDIC hex of a card number in a text field, or in a binary field whose hex is not whole bytes, is masked', () => {
  const dialect = getDialect('iso87ascii');
  const hex = ebcdicHex(PAN);
  const shown = `${ebcdicHex('476173')}${'**'.repeat(6)}${ebcdicHex('0010')}`;
  // Field 48 is text (ans LLLVAR): a hex dump written into it, alone, in a sentence, lower case, in groups.
  assert.equal(maskFieldValue(hex, undefined, dialect.fields['48']), shown);
  assert.equal(maskFieldValue(`PAN=${hex.toLowerCase()};CVV2=123`, undefined, dialect.fields['48']), `PAN=${shown.toLowerCase()};CVV2=123`);
  assert.equal(maskFieldValue(ebcdicHex('4761 7390 0101 0010'), undefined, dialect.fields['48']), 'F4F7F6F140F7F3****40********40F0F0F1F0');
  assert.equal(maskFieldValue(ebcdicHex(`${PAN}=2512101123`), undefined, dialect.fields['48']), `${shown}7E${'**'.repeat(10)}`);
  // Track 1 (`%B`, `^` as 5F, a name in letters) dumped into a text field: the name and what follows it hidden.
  const track1 = `6CC2${hex}5FC3C1D9C45F${ebcdicHex('2512101123')}`;
  assert.equal(maskFieldValue(track1, undefined, dialect.fields['48']), `6CC2${shown}5F${'**'.repeat(4)}5F${'**'.repeat(10)}`);
  // A field the dialect does not define, and a binary field (64, b 8) given an odd number of hex digits or a stray character.
  assert.equal(maskFieldValue(hex, undefined, undefined), shown);
  assert.equal(maskFieldValue(`${hex}F`, undefined, dialect.fields['64']), `${shown}F`);
  assert.equal(maskFieldValue(`${hex}XX`, undefined, dialect.fields['64']), `${shown}XX`);
  for (const form of ['iso87ascii', 'iso87binary']) {
    const text = describe({ 0: '0200', 48: hex, 62: `x${hex}` }, form) + JSON.stringify(maskMessage({ 0: '0200', 48: hex, 62: `x${hex}` }, form));
    assert.ok(!text.includes(hex.slice(12, 24)), `${form}: ${text}`);
  }
  // Not a card number: an EBCDIC STAN, a short number in groups, hex that only looks like EBCDIC in part.
  for (const value of [ebcdicHex('000123'), ebcdicHex('12 34'), 'F1F2F3F4F5F6F7', 'DEADBEEF']) assert.equal(maskFieldValue(value, undefined, dialect.fields['48']), value);
});

/** `assertLinear` for `maskFieldValue` of a field `spec`. */
function linearOn(shapes: readonly string[], spec: Parameters<typeof maskFieldValue>[2]): void {
  assertLinear(shapes, (text) => maskFieldValue(text, undefined, spec));
}

test('maskFieldValue – EBCDIC hex in a text field, the worst shapes: the work grows linearly from 16 to 64 KiB', () => {
  const spec = getDialect('iso87ascii').fields['48']!;
  const shapes = [ebcdicHex(PAN), 'F440', 'F1F2F3F4F5F6F7FA', 'FF4', `${ebcdicHex(PAN)}7E`, 'F4F7F6F1F7F3F9F0C4', '4761 F4F7 '];
  linearOn(shapes, spec);
});

test('maskFieldValue – EBCDIC or ASCII hex of a card number with its byte pairs apart, in groups or at an odd position, is masked', () => {
  const spec = getDialect('iso87ascii').fields['48']!;
  const pairs = ebcdicHex(PAN).match(/../g)!;
  const shown = [...ebcdicHex('476173').match(/../g)!, ...Array<string>(6).fill('**'), ...ebcdicHex('0010').match(/../g)!];
  for (const delimiter of [' ', ':', '-', '.']) {
    assert.equal(maskFieldValue(pairs.join(delimiter), undefined, spec), shown.join(delimiter), JSON.stringify(delimiter));
    assert.equal(maskFieldValue(pairs.join(delimiter).toLowerCase(), undefined, spec), shown.join(delimiter).toLowerCase(), JSON.stringify(delimiter));
  }
  // Groups of 4 bytes' hex, and the dump starting at an odd position (all hex, even length: once read as whole bytes only).
  assert.equal(maskFieldValue(ebcdicHex(PAN).match(/.{4}/g)!.join(' '), undefined, spec), 'F4F7 F6F1 F7F3 **** **** **** F0F0 F1F0');
  assert.equal(maskFieldValue(`0${ebcdicHex(PAN)}0`, undefined, spec), `0${shown.join('')}0`);
  assert.equal(maskFieldValue(`A${ebcdicHex(PAN)}B`, undefined, undefined), `A${shown.join('')}B`);
  // ASCII hex with colons or dots between its bytes.
  const ascii = Buffer.from(PAN).toString('hex').match(/../g)!;
  const asciiShown = [...ascii.slice(0, 6), ...Array<string>(6).fill('**'), ...ascii.slice(12)];
  for (const delimiter of [':', '.']) assert.equal(maskFieldValue(ascii.join(delimiter), undefined, spec), asciiShown.join(delimiter));
  // Not a card number: a MAC address, an IP address, a time, a short EBCDIC number apart, two delimiters between pairs.
  for (const value of ['00:1A:2B:3C:4D:5E', '192.168.10.200', '10:30:45', 'F1 F2 F3 F4 F5 F6 F7', 'F4  F7  F6  F1  F7  F3  F9  F0  F0  F1']) {
    assert.equal(maskFieldValue(value, undefined, spec), value);
  }
});

test('maskFieldValue – the hex of a card number with slashes, commas or a 0x / \\x prefix between its byte pairs is masked', () => {
  const spec = getDialect('iso87ascii').fields['48']!;
  for (const [pairs, shownPairs] of [
    [Buffer.from(PAN).toString('hex').match(/../g)!, Buffer.from('476173').toString('hex').match(/../g)!],
    [ebcdicHex(PAN).match(/../g)!, ebcdicHex('476173').match(/../g)!],
  ] as const) {
    const last = pairs.slice(12);
    const shown = [...shownPairs, ...Array<string>(6).fill('**'), ...last];
    for (const [join, prefix] of [['/', ''], [',', ''], [', ', ''], [' ', '0x'], [',', '0x'], [', ', '0x'], ['', '\\x'], [' ', '0X']] as const) {
      const written = pairs.map((p) => prefix + p).join(join);
      assert.equal(maskFieldValue(`bytes [${written}]`, undefined, spec), `bytes [${shown.map((p) => prefix + p).join(join)}]`, written);
    }
  }
  // Not a card number: a date with slashes, a short list, a list of 2-digit numbers that spell no digits.
  for (const value of ['12/02/2026', '0x34, 0x31, 0x31', '10, 20, 40, 50, 60, 70, 80, 90, 11, 21, 41, 51']) {
    assert.equal(maskFieldValue(value, undefined, spec), value);
  }
  assert.deepEqual(hexPanRuns(`k=${ebcdicHex(PAN).match(/../g)!.map((p) => `0x${p}`).join(', ')};`), [ebcdicHex(PAN).match(/../g)!.map((p) => `0x${p}`).join(', ').slice(2)]);
});

test('maskFieldValue – EBCDIC track 1 or ASCII-hex track 2 inside other text: the name, expiry and discretionary data are hidden', () => {
  const spec = getDialect('iso87ascii').fields['48']!;
  const shown = `${ebcdicHex('476173')}${'**'.repeat(6)}${ebcdicHex('0010')}`;
  // %B PAN ^DOE/JOHN^ 2512101123456 in EBCDIC (037), with words around it: C4D6C561D1D6C8D5 is DOE/JOHN.
  const track1 = `6CC2${ebcdicHex(PAN)}5FC4D6C561D1D6C8D55F${ebcdicHex('2512101123456')}`;
  assert.equal(maskFieldValue(`TRK1=${track1} end`, undefined, spec), `TRK1=6CC2${shown}5F${'**'.repeat(8)}5F${'**'.repeat(13)} end`);
  assert.equal(maskFieldValue(`X${ebcdicHex(PAN)}5FC4D6C55F${ebcdicHex('2512101')}`, undefined, spec), `X${shown}5F${'**'.repeat(3)}5F${'**'.repeat(7)}`);
  // PAN=2512101123456 as ASCII hex inside words: no digit of the expiry (32 35 31 32) is shown.
  const masked = maskFieldValue(`T=${Buffer.from(`${PAN}=2512101123456`).toString('hex')};`, undefined, spec);
  assert.ok(masked.endsWith(`3d${'**'.repeat(13)};`) && !masked.includes('3235'), masked);
});

test('hexPanRuns – the pieces of text that spell a PAN-shaped number as EBCDIC or ASCII hex, as they are written', () => {
  const hex = ebcdicHex(PAN);
  assert.deepEqual(hexPanRuns(`PAN=${hex};CVV2=123`), [hex]);
  assert.deepEqual(hexPanRuns(hex.match(/../g)!.join(' ')), [hex.match(/../g)!.join(' ')]);
  assert.deepEqual(hexPanRuns(`0${hex}0`), [hex]);
  assert.deepEqual(hexPanRuns(`x${Buffer.from(PAN).toString('hex')}=`), [Buffer.from(PAN).toString('hex')]);
  for (const text of [PAN, ebcdicHex('000123'), 'DEADBEEF', ebcdicHex('4761 7390')]) assert.deepEqual(hexPanRuns(text), [], text);
  // A number in groups or in loose groups spelled in hex, whole (no run of it is PAN-shaped on its own).
  const ebcdic: Record<string, string> = { ' ': '40', '.': '4B', '/': '61' };
  for (const spelled of ['5413 3300 8901 0434', '5413.3300.8901.0434', '5413/3300/8901/0434']) {
    for (const written of [Buffer.from(spelled).toString('hex').toUpperCase(), [...spelled].map((c) => ebcdic[c] ?? `F${c}`).join('')]) {
      assert.deepEqual(hexPanRuns(`K=${written};`), [written], `${spelled}: ${written}`);
    }
  }
});

test('maskFieldValue, hexPanRuns – delimited, prefixed or odd-aligned hex, the worst shapes: the work grows linearly from 16 to 64 KiB', () => {
  const spec = getDialect('iso87ascii').fields['48']!;
  const spaced = ebcdicHex(PAN).match(/../g)!.join(' ');
  const shapes = [`${spaced} `, 'F1:', '0F1F', `${ebcdicHex(PAN)}5F`, `6CC2${ebcdicHex(PAN)}5FC4D6C55F`, '3.', '5F5F', '0x34, ', '\\x3', '0x0x', ', 3', '34342E', 'F4F1F1F14B', '3420'];
  linearOn(shapes, spec);
  assertLinear(shapes, hexPanRuns);
});

test('summarize – a message to send (MessageInput, as fromObject gives it) is summarized as it is: a key that is not a string is left out', () => {
  const input: MessageInput = { '0': '0200', '2': '4111111111111111', '11': 1, '41': 'TERM0001', '4': 1000n };
  assert.deepEqual(summarize(input), { mti: '0200', terminal: 'TERM0001' });
});
