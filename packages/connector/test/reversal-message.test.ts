// The reversal plan (reversal-message.ts) makes, once per connector, what `buildReversal` did per request: these
// properties hold it to the rule written out plainly below (the fields of `fields` but never the sensitive ones,
// wire values padded by the dialect, field 90 or 56/24/25, the MTI in the edition of the original's MTI), and its JSON text to
// `JSON.stringify` of the message, over generated requests: missing, null, numeric, composite and oddly named fields,
// values that need escaping, 1987 and 1993 dialects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { dialectFromJson, dialectVersion, getDialect, inVersion, reversalMessageProblems, trackPan } from '@iso8583/codec';
import type { Dialect, IsoMessage, MessageInput } from '@iso8583/codec';
import { REVERSAL_EXCLUDED_FIELDS, REVERSAL_FIELDS, ReversalPlan, buildReversal, isReversible } from '../src/reversal-message.js';
import { wireValue } from '../src/match-key.js';

/** The reversal, written field by field as the rule says (the reference the plan is held to). */
function reference(original: MessageInput, mti: string, dialect: Dialect, fields: readonly string[]): IsoMessage {
  const plain = (value: unknown): string | IsoMessage | undefined => {
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'object') {
      const out: IsoMessage = {};
      for (const [k, v] of Object.entries(value)) {
        const p = plain(v);
        if (p !== undefined) out[k] = p;
      }
      return out;
    }
    return String(value);
  };
  const read = (field: string): string | IsoMessage | undefined => {
    if (!Object.hasOwn(original, field)) return undefined;
    const p = plain(original[field]);
    return typeof p === 'string' ? wireValue(dialect.fields[field], p) : p;
  };
  const textOf = (field: string): string => {
    const v = read(field);
    return typeof v === 'string' ? v : '';
  };
  const out: IsoMessage = {};
  for (const field of fields) {
    const v = field === '1' || REVERSAL_EXCLUDED_FIELDS.includes(field) ? undefined : read(field);
    if (v !== undefined) out[field] = v;
  }
  // A swipe (no field 2, a track that reads as one): field 2 is the PAN of track 2 (35), else of track 1 (45).
  if (fields.includes('2') && out['2'] === undefined && original['2'] == null) {
    const tracks = ['35', '45'].map((f) => (Object.hasOwn(original, f) ? original[f] : undefined));
    const pan = tracks.map((t) => (typeof t === 'string' ? trackPan(t) : undefined)).find((p) => p !== undefined);
    if (pan !== undefined) out['2'] = wireValue(dialect.fields['2'], pan);
  }
  const fixed = (s: string, n: number): string => s.padStart(n, '0').slice(-n);
  const originalMti = fixed(textOf('0'), 4);
  const transaction = isReversible(originalMti) ? originalMti.slice(0, 3) + '0' : originalMti;
  // The edition of the original's MTI (a 1200 is reversed as 1993 in a 1987 dialect), the dialect's for another digit
  // or when the dialect cannot carry that edition's reversal (iso87ascii's field 25 is n 2, iso93ascii's 90 n 10).
  const own = originalMti[0] === '1' ? '1993' : originalMti[0] === '0' ? '1987' : undefined;
  const version = own !== undefined && reversalMessageProblems({ ...dialect, version: own }).length === 0 ? own : dialectVersion(dialect);
  if (version === '1993') {
    const acquirer = textOf('32').slice(-11);
    out['56'] = transaction + fixed(textOf('11'), 6) + fixed(textOf('12'), 12) + (acquirer === '' ? '' : String(acquirer.length).padStart(2, '0') + acquirer);
    out['24'] = '400';
    out['25'] = '4021';
  } else {
    const inst = (f: string): string => textOf(f).slice(-11).padStart(11, '0');
    out['90'] = transaction + fixed(textOf('11'), 6) + fixed(textOf('7'), 10) + inst('32') + inst('33');
  }
  out['0'] = inVersion(mti, version);
  return out;
}

const fieldNumber = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 128 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('090', 'x', '-1', '1.5') });
const text = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[0-9]{0,14}$/) },
  // Tracks (35, 45): a swipe's reversal takes field 2 from them.
  { weight: 1, arbitrary: fc.constantFrom('4111111111111111=29122010000000000000', 'B4111111111111111^DOE/JOHN^2912201', '0^', '0=', ';5105105105105100=2512?') },
  { weight: 2, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constantFrom('"', '\\', '\u0000', '\u007f', '\ud800', 'é', '4111111111111111') },
);
const value = fc.oneof(
  { weight: 8, arbitrary: text },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
  { weight: 1, arbitrary: fc.dictionary(fc.integer({ min: 1, max: 9 }).map(String), fc.oneof(text, fc.constant(null))) },
);
const original = fc
  .tuple(fc.constantFrom('0200', '0201', '0100', '1200', '1101', '0220', '200', ''), fc.dictionary(fieldNumber, value, { maxKeys: 24 }))
  .map(([mti, rest]) => ({ ...rest, '0': mti }) as MessageInput);
const fieldList = fc.oneof(fc.constant(REVERSAL_FIELDS), fc.uniqueArray(fieldNumber, { maxLength: 20 }));
const setup = fc.record({ dialect: fc.constantFrom('iso87ascii', 'iso87binary', 'iso93ascii'), mti: fc.constantFrom('0400', '0420'), fields: fieldList });

test('reversal plan – build gives the reversal the rule gives, for any request, field list and dialect', () => {
  fc.assert(
    fc.property(setup, original, ({ dialect, mti, fields }, message) => {
      const d = getDialect(dialect);
      const expected = reference(message, mti, d, fields);
      assert.deepEqual(new ReversalPlan(mti, d, fields).build(message), expected);
      assert.deepEqual(buildReversal(message, mti, d, fields), expected);
    }),
    propertyRuns(1500, 2),
  );
});

test('reversal plan – json is JSON.stringify of the reversal, byte for byte, for any request, field list and dialect', () => {
  fc.assert(
    fc.property(setup, original, ({ dialect, mti, fields }, message) => {
      const d = getDialect(dialect);
      const plan = new ReversalPlan(mti, d, fields);
      assert.equal(plan.json(message), JSON.stringify(reference(message, mti, d, fields)));
    }),
    propertyRuns(1500, 2),
  );
});

test('reversal plan – a purchase: track 2 is never read into the reversal; field 90 names the transaction', () => {
  const plan = new ReversalPlan('0400', getDialect('iso87ascii'));
  const purchase = { '0': '0201', '2': '4111111111111111', '4': 1000, '7': '1121103000', '11': '618160', '35': '4111111111111111=29122010000000000000', '41': 'TERM0001' };
  const json = plan.json(purchase);
  assert.doesNotMatch(json, /=2912/);
  assert.deepEqual(JSON.parse(json), {
    '0': '0400',
    '2': '4111111111111111',
    '4': '000000001000',
    '7': '1121103000',
    '11': '618160',
    '41': 'TERM0001',
    '90': '0200' + '618160' + '1121103000' + '0'.repeat(22),
  });
});

test('reversal plan – the reversal is in the edition of the original: a 1200 in a 1987 dialect is reversed by a 1420 with 24, 25 and 56', () => {
  // A 1993 layout that says 1987 (a jPOS 1993 packager imported before its edition was read): 90 is n 10 there.
  const d = { ...getDialect('iso93ascii'), version: '1987' as const };
  const plan = new ReversalPlan('0420', d);
  const purchase = { '0': '1200', '4': '000000002500', '11': '000010', '12': '261205092320', '32': '123456', '41': 'TERM0001' };
  const reversal = plan.build(purchase);
  assert.equal(reversal['0'], '1420');
  assert.equal(reversal['24'], '400');
  assert.equal(reversal['25'], '4021');
  assert.equal(reversal['56'], '1200' + '000010' + '261205092320' + '06123456');
  assert.equal(reversal['90'], undefined, 'no 1987 field 90 in a 1993 reversal');
  assert.equal(plan.json(purchase), JSON.stringify(reversal));
  // And the other way: a 0200 in a 1993 dialect whose field 90 holds 42 digits is reversed by a 0420 with field 90.
  const d93 = { ...getDialect('iso87ascii'), version: '1993' as const };
  const back = new ReversalPlan('0420', d93).build({ '0': '0200', '7': '1205092320', '11': '000011' });
  assert.equal(back['0'], '0420');
  assert.equal(back['90'], '0200' + '000011' + '1205092320' + '0'.repeat(22));
  assert.equal(back['56'], undefined);
});

test('reversal plan – an original of the other edition that the dialect cannot reverse in it is reversed in the dialect\'s, as before', () => {
  // iso87ascii's field 25 is n 2 (no 4021): a 1200 is reversed by a 0400 with field 90.
  const r87 = new ReversalPlan('0400', getDialect('iso87ascii')).build({ '0': '1200', '7': '1205092320', '11': '000012' });
  assert.equal(r87['0'], '0400');
  assert.equal(r87['90'], '1200' + '000012' + '1205092320' + '0'.repeat(22));
  // iso93ascii's field 90 is n 10: a 0200 is reversed by a 1400 with field 56.
  const r93 = new ReversalPlan('0400', getDialect('iso93ascii')).build({ '0': '0200', '11': '000013', '12': '261205092320' });
  assert.equal(r93['0'], '1400');
  assert.equal(r93['56'], '0200' + '000013' + '261205092320');
});

test('reversal plan – the other edition only with the reversal rules that edition allows: a 1987 dialect fixing 56 reverses a 1200 by field 90', () => {
  // A 1987 dialect that can carry a 1993 reversal (25 n 4, 56 n ..35) but whose `reversal.set` fixes 56 and 46 (allowed
  // in 1987): in a 1993 reversal that 56 would name no original (the wrong transaction reversed) and 46 fix the fees.
  const dialect = dialectFromJson({
    name: 'mixed', extends: 'iso87ascii',
    fields: { '25': { name: 'REASON', type: 'n', length: 4, encoding: 'ascii' }, '56': { name: 'ORIGINAL DATA', type: 'n', length: 35, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } } },
    reversal: { set: { '56': '0'.repeat(22), '46': '0' } },
  });
  assert.deepEqual(reversalMessageProblems(dialect), [], 'in its own edition the dialect reverses');
  assert.deepEqual(reversalMessageProblems({ ...dialect, version: '1993' }).map((p) => p.field).sort(), ['reversal.set.46', 'reversal.set.56']);
  const reversal = new ReversalPlan('0400', dialect).build({ '0': '1200', '7': '1205092320', '11': '000012', '12': '261205092320' });
  assert.equal(reversal['0'], '0400');
  assert.equal(reversal['90'], '1200' + '000012' + '1205092320' + '0'.repeat(22));
});
