/**
 * The last guards for card data in what is shown of a message: the standard fields that carry it are masked for
 * every dialect (34 PAN extended and 53 included), free text in fields no one marked has its PAN-shaped digit runs
 * masked, a short PAN is not shown almost whole, and a dialect that skipped the checks cannot make describe throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SENSITIVE_FIELDS, describe, getDialect, isMaskedPan, maskDigitRuns, maskMessage, maskPan, sensitiveFields } from '../src/index.js';
import type { Dialect, IsoMessage } from '../src/index.js';

const PAN = '5413330089010434';
const iso87 = getDialect('iso87ascii');
/** iso87ascii with no field marked sensitive: the codec's default list is all that protects it. */
const unmarked: Dialect = {
  ...iso87,
  name: 'unmarked',
  fields: Object.fromEntries(Object.entries(iso87.fields).map(([id, spec]) => [id, { ...spec, sensitive: undefined }])),
};

const MESSAGE: IsoMessage = {
  '0': '0200',
  '4': '000000001000',
  '34': PAN,
  '37': '123456789012',
  '42': '000124642124643',
  '48': `CVV2=123;PAN=${PAN}`,
  '53': '2601000000000000',
  '54': '1001840C000000001000',
  '62': '4761739001010010=25121011234567890',
  '126': 'track2:0004761739001010010',
};

for (const dialect of [iso87, unmarked]) {
  test(`describe and maskMessage (${dialect.name}) – 34 as a PAN, 53 hidden, PAN-shaped runs of private fields masked, keys and amounts shown`, () => {
    const masked = maskMessage(MESSAGE, dialect);
    assert.equal(masked['34'], '541333******0434');
    assert.equal(masked['53'], '****************');
    assert.equal(masked['48'], 'CVV2=123;PAN=541333******0434');
    assert.equal(masked['62'], '476173******0010=*****************', 'the track data after the separator hidden');
    assert.equal(masked['126'], 'track2:000476*********0010');
    // Amounts (numeric, or zero-padded in free text) and fixed-length keys (RRN 37, merchant 42) stay as they are.
    for (const id of ['4', '37', '42', '54']) assert.equal(masked[id], MESSAGE[id], id);
    const text = describe(MESSAGE, dialect);
    assert.doesNotMatch(text, new RegExp(`${PAN}|4761739001010010|2601000000000000`));
    assert.match(text, /^48 .*: CVV2=123;PAN=541333\*\*\*\*\*\*0434$/m);
    assert.match(text, /^37 .*: 123456789012$/m);
  });
}

test('the default sensitive fields are the one list: 34 PAN extended and 53 security control information among them', () => {
  assert.equal(DEFAULT_SENSITIVE_FIELDS['34'], 'pan');
  assert.equal(DEFAULT_SENSITIVE_FIELDS['53'], 'secret');
  assert.equal(sensitiveFields(unmarked).get('53'), 'secret');
});

test('maskDigitRuns – 12 or more digits after leading zeros are a PAN shape; shorter runs and padded amounts are not', () => {
  assert.equal(maskDigitRuns(`pan ${PAN} stan 000001`), 'pan 541333******0434 stan 000001');
  assert.equal(maskDigitRuns('amount 000000001000'), 'amount 000000001000');
  assert.equal(maskDigitRuns('25 digits 4761739001010010123456789'), '25 digits 476173***************6789');
  assert.equal(maskDigitRuns('rrn 633412345678'), 'rrn 633*****5678', 'a 12-digit run is masked whatever its check digit');
});

test('maskDigitRuns – 8 to 11 digits are masked when they pass the Luhn check (ISO/IEC 7812-1:2017 PANs of 8 and up)', () => {
  assert.equal(maskDigitRuns('private label 60110004 ok'), 'private label ******** ok');
  assert.equal(maskDigitRuns('card 12345674;'), 'card ********;');
  // The same lengths failing the check are no PAN: a date, a transmission date and time, a frame size.
  assert.equal(maskDigitRuns('on 20261201 at 1130120000, 16777216 bytes'), 'on 20261201 at 1130120000, 16777216 bytes');
  // Seven digits or fewer never: a STAN, a time, a date.
  assert.equal(maskDigitRuns('stan 000123 time 1230 date 261201 7 digits 1234567'), 'stan 000123 time 1230 date 261201 7 digits 1234567');
});

test('maskDigitRuns – the track data after a PAN is hidden: track 2 (= or D) and track 1 (^NAME^)', () => {
  assert.equal(maskDigitRuns(';4761739001010010=25121011234567890?'), ';476173******0010=*****************?');
  assert.equal(maskDigitRuns('4761739001010010D25121011234567890F'), '476173******0010D*****************F');
  assert.equal(maskDigitRuns('%B4111111111111111^DOE/JOHN^2512101000000?'), '%B411111******1111^********^*************?');
  // After a run that is no PAN, the separator is just text.
  assert.equal(maskDigitRuns('ref 1234=5678 D12'), 'ref 1234=5678 D12');
});

test('maskPan – a short PAN keeps at least 5 digits hidden (the Luhn digit cannot give the last one back)', () => {
  assert.equal(maskPan('47617390010'), '47*****0010');
  assert.equal(maskPan('476173900101'), '476*****0101');
  assert.equal(maskPan('378282246310005'), '378282*****0005');
  assert.equal(maskPan('4761739001010010'), '476173******0010');
  assert.equal(maskPan('4761739001'), '**********');
  for (const pan of ['47617390010', '476173900101', '4761739001010010']) assert.ok(isMaskedPan(maskPan(pan)), pan);
  assert.equal(isMaskedPan('47617390010'), false);
});

test('describe and maskMessage – a dialect whose sensitivity skipped the checks hides the value instead of throwing', () => {
  const odd: Dialect = { ...iso87, fields: { ...iso87.fields, '2': { ...iso87.fields['2']!, sensitive: 'PAN' as never } } };
  assert.equal(describe({ '2': PAN }, odd), `2   ${iso87.fields['2']!.name}: ****************`);
  assert.deepEqual(maskMessage({ '2': PAN }, odd), { '2': '****************' });
});
