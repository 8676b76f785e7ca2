import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector, readVectorHex } from '@iso8583/test-support';
import { describe, maskMessage, unpack } from '../src/index.js';
import type { Dialect, IsoMessage } from '../src/index.js';

const PAN = '4761739001010010';
const TRACK2 = `${PAN}=25122010000012300000`;
const PIN_BLOCK = '0412AC89ABCDEF67';
const field55 = readVector('socketqueue/sv_200_purchase.bin').subarray(133).toString('hex').toUpperCase();

const MESSAGE: IsoMessage = {
  '0': '0200',
  '2': PAN,
  '3': '000000',
  '4': '000000001000',
  '11': '618160',
  '35': TRACK2,
  '41': '00992468',
  '52': PIN_BLOCK,
  '55': field55,
};

/** A dialect without sensitivity marks and with names of its own. */
const PLAIN: Dialect = {
  name: 'plain',
  mti: { encoding: 'ascii' },
  bitmap: { encoding: 'hex' },
  fields: Object.fromEntries(
    ['2', '3', '4', '11', '35', '41', '52', '55', '127'].map((id) => [
      id,
      {
        name: `NAME OF ${id}`,
        type: 'ans' as const,
        length: 999,
        encoding: 'ascii' as const,
        prefix: { encoding: 'ascii' as const, digits: 3 },
        ...(id === '127'
          ? { subfields: { fields: { '2': { name: 'SWITCH KEY', type: 'ans' as const, length: 32, encoding: 'ascii' as const } } } }
          : {}),
      },
    ]),
  ),
};

function assertNoCardData(text: string): void {
  for (const secret of [PAN, '476173900101', '25122010', PIN_BLOCK, '571F1E10D4FA4AAC', '06010A03A4B802', '3531323032383135']) {
    assert.ok(!text.includes(secret), `card data leaked: ${secret.slice(0, 4)}...`);
  }
}

test('describe prints one line per field in field-number order with the dialect names', () => {
  const text = describe({ ...MESSAGE, '127': { '2': 'SWITCH_KEY' } }, PLAIN);
  const lines = text.split('\n');
  assert.match(lines[0]!, /^0 +MESSAGE TYPE INDICATOR: 0200$/);
  assert.match(lines[1]!, /^2 +NAME OF 2: 476173\*{6}0010$/);
  assert.match(lines[2]!, /^3 +NAME OF 3: 000000$/);
  assert.ok(lines.some((l) => /^11 +NAME OF 11: 618160$/.test(l)));
  assert.ok(lines.some((l) => /^35 +NAME OF 35: 476173\*{6}0010=\*{20}$/.test(l)));
  assert.ok(lines.some((l) => /^52 +NAME OF 52: \*{16}$/.test(l)));
  assert.ok(lines.some((l) => /^ +127\.2 SWITCH KEY: SWITCH_KEY$/.test(l)));
});

test('describe shows field 55 as its tags, each with its name and size, values hidden', () => {
  const lines = describe(MESSAGE, PLAIN).split('\n');
  const start = lines.findIndex((l) => l.startsWith('55 '));
  assert.match(lines[start]!, /: 20 data objects$/);
  assert.match(lines[start + 1]!, /^ +55\.9F26 Application Cryptogram: \[8 bytes hidden\]$/);
  assert.match(lines[start + 20]!, /^ +55\.5F34 .*: \[1 byte hidden\]$/);
});

test('no PAN, track, PIN or EMV value leaks through describe', () => {
  assertNoCardData(describe(MESSAGE, PLAIN));
  assertNoCardData(describe({ ...MESSAGE, '55': 'ZZ' + field55 }, PLAIN));
});

test('describe hides every tag of EMV data that reads astray: a wrong length makes later "tags" of PAN digits', () => {
  const pan = '4111111111111111';
  // 5A says 5 bytes, the PAN takes 8: the next "tag" is 11 (PAN digits), 17 bytes long.
  const astray = describe({ '0': '0200', '55': `5A05${pan}9F0206000000001000` + '9F36020001' + '9C00' }, 'iso87binary');
  assert.ok(!astray.includes('55.11'), astray);
  assert.ok(!/\d{6}/.test(astray.replace('0200', '')), `no run of digits: ${astray}`);
  assert.match(astray, /^55 +.*: \[26 bytes hidden\]$/m);
  // A known tag at a length EMV does not give it (9F02 is 6 bytes), padding between objects: hidden too.
  for (const f55 of ['9F02050000001000' + '9C0100', '9F020600000000100000' + '9C0100']) {
    const text = describe({ '0': '0200', '55': f55 }, 'iso87binary');
    assert.ok(!text.includes('55.9'), text);
    assert.match(text, /bytes hidden\]$/m);
  }
  // Data that reads without doubt, in either case, and an unnamed tag of two bytes: shown by tag.
  const fine = describe({ '0': '0200', '55': '9f02060000000010009C0100DF01020001' }, 'iso87binary');
  assert.match(fine, /55\.9F02 Amount, Authorised: \[6 bytes hidden\]/);
  assert.match(fine, /55\.DF01 tag: \[2 bytes hidden\]/);
  assert.match(describe({ '0': '0200', '55': 'ZZ' }, 'iso87binary'), /, not valid TLV\]$/m);
});

test('describe keeps a line per field when a value holds control characters', () => {
  const text = describe({ '0': '0800', '3': 'A\nB\u0000' }, PLAIN);
  assert.equal(text.split('\n').length, 2);
  assert.ok(text.includes('A\\x0AB\\x00'));
});

test('describe writes C1 controls and the Unicode line separators escaped: no escape sequence, no line break', () => {
  // `9B` (CSI) and `85` (NEL) bytes of a peer decode to U+009B and U+0085 in an ASCII field: written as they were.
  const text = describe({ '0': '0800', '48': 'A\u009b2JB\u0085C\u2028D\u2029E\u007f' }, PLAIN);
  assert.equal(text.split('\n')[1], '48  NOT IN DIALECT: A\\x9B2JB\\x85C\\u2028D\\u2029E\\x7F');
  assert.ok(!/[\u0080-\u009f\u2028\u2029]/.test(text));
});

test('describe uses the built-in iso87ascii dialect by default', () => {
  const text = describe(MESSAGE);
  assertNoCardData(text);
  assert.match(text, /^2 +PRIMARY ACCOUNT NUMBER.*: 476173\*{6}0010$/m);
});

test('a decoded jPOS message shows none of its card data through describe or maskMessage', () => {
  const message = unpack(readVectorHex('jpos/ISO87APackager.hex'));
  const secrets = ['2', '35', '45', '52'].map((id) => message[id]);
  for (const secret of secrets) assert.equal(typeof secret, 'string', 'the vector has fields 2, 35, 45 and 52');
  const text = describe(message);
  const masked = JSON.stringify(maskMessage(message));
  for (const secret of secrets as string[]) {
    assert.ok(!text.includes(secret) && !masked.includes(secret), 'a sensitive value leaked');
  }
  assert.match(text, /^2 +PRIMARY ACCOUNT NUMBER.*: 123456\*{9}6789$/m);
  assert.match(text, /^35 +TRACK 2 DATA: 123456\*{6}3456=\*{20}$/m);
  assert.match(text, /^45 +TRACK 1 DATA: \*{24}$/m);
});

test('describe hides a value that is bytes or an array whole, and refuses bytes given for the message', () => {
  // Walked as a composite field before: one line a byte (`48.0 NOT IN DIALECT: 52`) or a digit, the PAN in pieces.
  for (const value of [Buffer.from(PAN, 'latin1'), new Uint8Array(Buffer.from(PAN, 'latin1')), [...PAN].map(Number), new String(PAN)]) {
    const text = describe({ '0': '0200', '48': value } as unknown as IsoMessage);
    assert.deepEqual(text.split('\n'), ['0   MESSAGE TYPE INDICATOR: 0200', '48  ADDITIONAL DATA - PRIVATE: [hidden]']);
  }
  assert.throws(() => describe(Buffer.from(`0200${PAN}`, 'latin1') as unknown as IsoMessage), { code: 'ISO8583_ERR_OPTION' });
});

test('describe masks a key that is not a field number as free text, and keeps a key with a line break on its line', () => {
  const message = { '0': '0200', [PAN]: 'x', '127': { [`${PAN}=2512`]: 'y' }, '48\nFORGED 2 PRIMARY ACCOUNT NUMBER': 'z' } as unknown as IsoMessage;
  const text = describe(message);
  assertNoCardData(text);
  assert.deepEqual(text.split('\n'), [
    '48\\x0AFORGED 2 PRIMARY ACCOUNT NUMBER NOT IN DIALECT: z',
    '0   MESSAGE TYPE INDICATOR: 0200',
    '127 RESERVED PRIVATE:',
    '  127.476173******0010=**** NOT IN DIALECT: y',
    '476173******0010 NOT IN DIALECT: x',
  ]);
});

test('describe masks track data given in field 2 as track data: the discretionary data shows nothing', () => {
  const line = describe({ '0': '0200', '2': '5500000000000004=25121011234567890' }).split('\n')[1]!;
  assert.equal(line, `2   PRIMARY ACCOUNT NUMBER (PAN): 550000******0004=${'*'.repeat(17)}`);
});
