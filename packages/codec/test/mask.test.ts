import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector } from '@iso8583/test-support';
import { Iso8583Error, isMaskedPan, maskEmv, maskMessage, maskPan, maskTrack, maskValue, sensitiveFields, summarize, trackPan } from '../src/index.js';
import type { Dialect, IsoMessage } from '../src/index.js';

const PAN = '4111111111111111';
const TRACK2 = '4111111111111111=25121010000012300000';
const PIN_BLOCK = '1234ABCD5678EF90';
const field55 = readVector('socketqueue/sv_200_purchase.bin').subarray(133).toString('hex').toUpperCase();

/** A dialect that marks its card-data fields (as the built-in ones do), with a composite field 127. */
const MARKED: Dialect = {
  name: 'marked',
  mti: { encoding: 'ascii' },
  bitmap: { encoding: 'hex' },
  fields: {
    '2': { name: 'PAN', type: 'n', length: 19, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 }, sensitive: 'pan' },
    '11': { name: 'STAN', type: 'n', length: 6, encoding: 'ascii' },
    '35': { name: 'TRACK 2', type: 'z', length: 37, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 }, sensitive: 'track' },
    '48': { name: 'CVV2', type: 'n', length: 3, encoding: 'ascii', sensitive: 'cvv' },
    '52': { name: 'PIN', type: 'b', length: 8, encoding: 'binary', sensitive: 'pin' },
    '55': { name: 'ICC', type: 'b', length: 255, encoding: 'binary', prefix: { encoding: 'binary', digits: 1 }, sensitive: 'emv' },
    '127': {
      name: 'PRIVATE',
      type: 'b',
      length: 999,
      encoding: 'binary',
      prefix: { encoding: 'ascii', digits: 3 },
      subfields: {
        bitmap: { encoding: 'hex' },
        fields: {
          '2': { name: 'SWITCH KEY', type: 'ans', length: 32, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } },
          '9': { name: 'TOKEN', type: 'ans', length: 32, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 }, sensitive: 'secret' },
        },
      },
    },
  },
};

/** The same fields without top-level marks (sub-field 127.9 keeps its mark): the standard's field numbers apply. */
const UNMARKED: Dialect = {
  ...MARKED,
  name: 'unmarked',
  fields: Object.fromEntries(
    Object.entries(MARKED.fields).map(([id, { sensitive: _s, ...spec }]) => [id, spec]),
  ),
};

/** No marks at all. */
const NO_MARKS: Dialect = {
  ...UNMARKED,
  name: 'no-marks',
  fields: Object.fromEntries(Object.entries(UNMARKED.fields).filter(([id]) => id !== '127')),
};

const MESSAGE: IsoMessage = {
  '0': '0200',
  '2': PAN,
  '11': '618160',
  '35': TRACK2,
  '48': '123',
  '52': PIN_BLOCK,
  '55': field55,
  '127': { '2': 'SWITCH_KEY', '9': 'TOKEN-SECRET' },
};

test('maskPan shows the first 6 and last 4 digits only', () => {
  assert.equal(maskPan(PAN), '411111******1111');
  assert.equal(maskPan('5500000000000004'), '550000******0004');
  assert.equal(maskPan('4761739001010010123'), '476173*********0123');
  assert.equal(maskPan('1234567890'), '**********', 'ten digits or fewer are hidden entirely');
  assert.equal(maskPan(''), '');
});

test('maskTrack masks the PAN part and hides everything after the separator', () => {
  assert.equal(maskTrack(TRACK2), '411111******1111=' + '*'.repeat(20));
  assert.equal(maskTrack(';4111111111111111=2512101?'), ';411111******1111=' + '*'.repeat(8));
  assert.equal(maskTrack('5500000000000004D25121010000012300000F'), '550000******0004D' + '*'.repeat(21));
  assert.equal(maskTrack('%B4111111111111111^DOE/JOHN^2512101'), '%B411111******1111^' + '*'.repeat(16));
  assert.equal(maskTrack('no separator here'), '*'.repeat(17));
});

test('trackPan reads the PAN of track 1, 2 and 3 data as maskTrack does, or nothing', () => {
  const cases: [string, string | undefined][] = [
    [TRACK2, PAN],
    [';4111111111111111=2512101?', PAN],
    ['5555555555554444D25121010000012300000F', '5555555555554444'],
    ['%B4111111111111111^DOE/JOHN^2512101', PAN],
    ['B4761739001010010123^DOE/JOHN^2512101', '4761739001010010123'],
    ['4111111111111111', undefined],
    [';;;4111111111111111=2512', undefined],
    ['41111111111111111111=2512', undefined],
    ['=2512101', undefined],
    ['', undefined],
  ];
  for (const [track, pan] of cases) {
    assert.equal(trackPan(track), pan, track);
    // One rule: the PAN maskTrack masks is the one trackPan reads, and data without one is stars only.
    const masked = maskTrack(track);
    if (pan === undefined) assert.equal(masked, '*'.repeat(track.length), track);
    else assert.ok(masked.includes(maskPan(pan)) && !masked.includes(pan), track);
  }
});

test('isMaskedPan is true exactly when maskPan leaves a value as it is', () => {
  const values = [
    PAN,
    '5555555555554444',
    '4761739001010010123',
    '411111******1111',
    '555555******4444',
    '476173*********0123',
    '4111**1111111111',
    '411111*****11111',
    '411111******111*',
    '*11111******1111',
    '***********',
    '1234567890',
    '**********',
    '*****',
    '*',
    '',
  ];
  for (const value of values) {
    assert.equal(isMaskedPan(value), maskPan(value) === value, value);
    assert.equal(isMaskedPan(maskPan(value)), true, `maskPan(${value})`);
  }
  assert.equal(isMaskedPan(PAN), false);
  assert.equal(isMaskedPan('411111******1111'), true);
  assert.equal(isMaskedPan('4111**1111111111'), false, 'stars elsewhere than maskPan puts them');
  assert.equal(isMaskedPan('1234567890'), false, 'ten digits or fewer are masked entirely');
  assert.equal(isMaskedPan('**********'), true);
});

test('maskEmv lists the tags and none of the values', () => {
  const masked = maskEmv(field55);
  assert.match(masked, /^EMV\[9F26 9F27 9F10 /);
  assert.ok(masked.endsWith(' 5F34]'));
  assert.ok(!masked.includes('571F1E10'));
  assert.equal(maskEmv('9F2608571F'), 'EMV[5 bytes]', 'malformed TLV shows only its size');
});

test('maskEmv shows only the size of EMV data that reads astray (a wrong length makes value bytes look like tags)', () => {
  // 5A says 5 bytes but 8 follow: read as TLV, the rest of the PAN would start a "tag" 11 (two of its digits).
  const astray = '5A05' + '4111111111111111' + '9F0206000000001000' + '9F36020001' + '9C00';
  const masked = maskEmv(astray);
  assert.equal(masked, `EMV[${astray.length / 2} bytes]`);
  assert.ok(!/\b11\b/.test(masked), masked);
});

test('maskValue hides PIN blocks, CVV and secrets', () => {
  for (const kind of ['pin', 'cvv', 'secret'] as const) {
    assert.equal(maskValue(PIN_BLOCK, kind), '*'.repeat(16));
  }
});

test('sensitiveFields uses the dialect marks and the standard field numbers that the dialect does not mark', () => {
  assert.deepEqual(Object.fromEntries(sensitiveFields(MARKED)), {
    '2': 'pan',
    '34': 'pan',
    '35': 'track',
    '36': 'track',
    '45': 'track',
    '48': 'cvv',
    '52': 'pin',
    '53': 'secret',
    '55': 'emv',
    '127.9': 'secret',
  });
  const relabelled: Dialect = { ...UNMARKED, fields: { ...UNMARKED.fields, '45': { ...UNMARKED.fields['2']!, sensitive: 'pan' } } };
  assert.equal(sensitiveFields(relabelled).get('45'), 'pan', 'a mark in the dialect wins for its field');
  assert.deepEqual(Object.fromEntries(sensitiveFields(NO_MARKS)), {
    '2': 'pan',
    '34': 'pan',
    '35': 'track',
    '36': 'track',
    '45': 'track',
    '52': 'pin',
    '53': 'secret',
    '55': 'emv',
  });
});

function assertNoCardData(text: string): void {
  for (const secret of [PAN, '4111111111', TRACK2.slice(17), '25121010', PIN_BLOCK, '571F1E10D4FA4AAC', 'TOKEN-SECRET']) {
    assert.ok(!text.includes(secret), `card data leaked: ${secret.slice(0, 4)}...`);
  }
}

test('maskMessage returns a log-safe copy and leaves the message unchanged', () => {
  const original = structuredClone(MESSAGE);
  for (const dialect of [MARKED, UNMARKED]) {
    const masked = maskMessage(MESSAGE, dialect);
    assertNoCardData(JSON.stringify(masked));
    assert.equal(masked['2'], '411111******1111');
    assert.equal(masked['11'], '618160');
    assert.equal(masked['0'], '0200');
    assert.equal((masked['127'] as IsoMessage)['2'], 'SWITCH_KEY');
  }
  assert.equal(maskMessage(MESSAGE, MARKED)['48'], '***', 'CVV marked in the dialect is hidden');
  assert.equal(maskMessage(MESSAGE, UNMARKED)['48'], '123', 'without marks only the standard fields are masked');
  assert.deepEqual(MESSAGE, original);
});

test('summarize keeps only MTI, STAN, terminal and response code', () => {
  const summary = summarize({ ...MESSAGE, '39': '00', '41': '00992468' });
  assert.deepEqual(summary, { mti: '0200', stan: '618160', terminal: '00992468', responseCode: '00' });
  assertNoCardData(JSON.stringify(summary));
});

test('maskMessage hides a value that is bytes or an array whole: never its elements one by one', () => {
  // A Buffer, an array of digits or a boxed string in a field nothing marks was walked as a composite field, each
  // element (a byte `52`, a digit `4`) shown as it is: the PAN in pieces.
  const pieces: Record<string, unknown> = {
    buffer: Buffer.from(PAN, 'latin1'),
    bytes: new Uint8Array(Buffer.from(PAN, 'latin1')),
    digits: [...PAN].map(Number),
    characters: [...PAN],
    boxed: new String(PAN),
  };
  for (const [kind, value] of Object.entries(pieces)) {
    const message = { '0': '0200', '48': value, '127': { '2': value } } as unknown as IsoMessage;
    for (const dialect of [MARKED, UNMARKED, 'iso87ascii']) {
      const masked = maskMessage(message, dialect);
      assert.equal(masked['48'], '*', `${kind}: field 48`);
      assert.deepEqual(masked['127'], { '2': '*' }, `${kind}: sub-field 127.2`);
    }
  }
  // A composite field made without a prototype is still read field by field.
  const bare = Object.assign(Object.create(null) as IsoMessage, { '2': 'SWITCH_KEY', '9': 'TOKEN-SECRET' });
  assert.deepEqual(maskMessage({ '0': '0200', '127': bare }, MARKED)['127'], { '2': 'SWITCH_KEY', '9': '************' });
});

test('maskMessage refuses bytes given for the message (a wire image before it is decoded)', () => {
  for (const bytes of [Buffer.from(`0200${PAN}`, 'latin1'), new Uint8Array(8)]) {
    assert.throws(() => maskMessage(bytes as unknown as IsoMessage), { code: 'ISO8583_ERR_OPTION' });
  }
});

test('maskMessage masks a key that is not a field number as free text; field numbers stay as they are', () => {
  const masked = maskMessage({ '0': '0200', '11': '000001', [PAN]: 'x', '127': { [`${PAN}=2512`]: 'y', '2': 'SWITCH_KEY' } } as IsoMessage, MARKED);
  assertNoCardData(JSON.stringify(masked));
  assert.deepEqual(masked, { '0': '0200', '11': '000001', '411111******1111': 'x', '127': { '411111******1111=****': 'y', '2': 'SWITCH_KEY' } });
});

test('a PAN field holding track data (field 2 read leniently) is masked as track data: nothing after the separator shows', () => {
  // As a PAN, its last 4 shown were the last 4 of the discretionary data (`411111******...7890`).
  const track = `${PAN}=25121011234567890`;
  assert.equal(maskValue(track, 'pan'), maskTrack(track));
  assert.equal(maskValue(`${PAN}D25121011234567890`, 'pan'), `411111******1111D${'*'.repeat(17)}`);
  assert.equal(maskValue(';5500000000000004=2512101?', 'pan'), `;550000******0004=${'*'.repeat(8)}`);
  for (const dialect of [MARKED, UNMARKED]) {
    const masked = maskMessage({ '0': '0200', '2': track, '34': `%B${PAN}^DOE/JOHN^2512101` }, dialect);
    assert.equal(masked['2'], `411111******1111=${'*'.repeat(17)}`);
    assert.equal(masked['34'], `%B411111******1111^${'*'.repeat(16)}`);
  }
  // A PAN (digits only) is still shown as first 6 and last 4.
  assert.equal(maskValue(PAN, 'pan'), '411111******1111');
});

test('summarize refuses what is not a message with the coded error naming it, as maskMessage does', () => {
  // `summarize(null)` threw a TypeError from inside; text was read as a message (`'x'` gave `{ mti: 'x' }`).
  for (const given of [null, undefined, 'x', 42, [PAN], Buffer.from(`0200${PAN}`, 'latin1')]) {
    assert.throws(() => summarize(given as unknown as IsoMessage), (err: unknown) => {
      assert.ok(err instanceof Iso8583Error, String(given));
      assert.equal(err.code, 'ISO8583_ERR_OPTION');
      assert.equal(err.field, 'message');
      assert.ok(!err.message.includes(PAN));
      return true;
    });
  }
});

test('maskValue pan: track data the track form misses has everything after its first separator hidden', () => {
  assert.equal(maskValue('4111111111111111d2512101123456789', 'pan'), `411111******1111d${'*'.repeat(16)}`);
  assert.equal(maskValue('4111 1111 1111 1111=2512101123456789', 'pan'), `4111 1*********1111=${'*'.repeat(16)}`);
  assert.equal(maskValue('41111111111111111111=2512101123456789', 'pan'), `411111**********1111=${'*'.repeat(16)}`);
  for (const value of ['4111111111111111d2512101123456789', '4111 1111 1111 1111=2512101123456789', '41111111111111111111=2512101123456789']) {
    const masked = maskValue(value, 'pan');
    assert.doesNotMatch(masked, /6789/, value);
    assert.equal(maskValue(masked, 'pan'), masked, value);
  }
  // A PAN of digits only is masked as a PAN still.
  assert.equal(maskValue('4111111111111111', 'pan'), '411111******1111');
});
