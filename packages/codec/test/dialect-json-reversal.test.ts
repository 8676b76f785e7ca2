// A JSON dialect file's `reversal`: the host's reversal rules (fixed fields, fields copied, original data elements,
// field 7 fresh, the answer's field carrying the amount approved) as code sets them, merged over the rules of the
// dialect it extends (a rule set to null takes its default; "reversal": null the edition's), checked like code's:
// a bad value or a card-data field as the approved amount is refused with ISO8583_ERR_DIALECT_INVALID naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_DIALECTS, createCodec, dialectFromJson, getDialect, isIso8583Error } from '../src/index.js';

function refused(make: () => unknown, path: string): void {
  assert.throws(make, (err: unknown) => {
    assert.ok(isIso8583Error(err), 'a coded error');
    assert.equal(err.code, 'ISO8583_ERR_DIALECT_INVALID');
    assert.ok(err.problems?.some((p) => p.field === path), `${path} named in ${JSON.stringify(err.problems)}`);
    return true;
  }, path);
}

test('dialect-json reversal – a file sets approvedAmount and the other rules; a file extending none keeps no rules', () => {
  const d = dialectFromJson({ name: 'host', extends: 'iso87ascii', reversal: { approvedAmount: '54', copy: ['25'], set: { '24': '400' }, originalData: false, freshTransmissionTime: true }, fields: {} });
  assert.deepEqual(d.reversal, { approvedAmount: '54', copy: ['25'], set: { '24': '400' }, originalData: false, freshTransmissionTime: true });
  assert.deepEqual(dialectFromJson({ name: 'off', extends: 'iso87ascii', reversal: { approvedAmount: false }, fields: {} }).reversal, { approvedAmount: false });
  assert.equal(dialectFromJson({ name: 'plain', extends: 'iso87ascii', fields: {} }).reversal, undefined);
  createCodec(d);
});

test('dialect-json reversal – inherited by extends, merged rule by rule; null resets a rule, "reversal": null all of them', () => {
  const base = getDialect('smartvista').reversal;
  assert.ok(base !== undefined);
  assert.deepEqual(dialectFromJson({ name: 'sv', extends: 'smartvista', fields: {} }).reversal, base);
  const merged = dialectFromJson({ name: 'sv2', extends: 'smartvista', reversal: { approvedAmount: false, freshTransmissionTime: null }, fields: {} });
  assert.deepEqual(merged.reversal, { set: { '24': '400' }, copy: ['25'], originalData: false, approvedAmount: false });
  assert.deepEqual(getDialect('smartvista').reversal, base, 'the built-in is not changed');
  assert.equal(dialectFromJson({ name: 'sv3', extends: 'smartvista', reversal: null, fields: {} } as never).reversal, undefined);
});

test('dialect-json reversal – bad values are refused naming the rule; a card-data field is never the approved amount', () => {
  const file = (reversal: unknown) => () => dialectFromJson({ name: 'x', extends: 'iso87ascii', reversal, fields: {} } as never);
  refused(file({ approvedAmount: true }), 'reversal.approvedAmount');
  refused(file({ approvedAmount: 4 }), 'reversal.approvedAmount');
  refused(file({ approvedAmount: '04' }), 'reversal.approvedAmount');
  refused(file({ approvedAmount: '1' }), 'reversal.approvedAmount');
  // A field that never carries an amount: the answer's STAN or currency (978) would be reversed as 1234.56 or 9.78.
  for (const f of ['2', '3', '7', '9', '10', '11', '12', '13', '32', '33', '37', '38', '41', '49', '50', '51', '90']) refused(file({ approvedAmount: f }), 'reversal.approvedAmount');
  refused(() => dialectFromJson({ name: 'x93', extends: 'iso93ascii', reversal: { approvedAmount: '56' }, fields: {} }), 'reversal.approvedAmount');
  refused(file({ approvedAmount: '999' }), 'reversal.approvedAmount');
  refused(file({ originalData: 'no' }), 'reversal.originalData');
  refused(file({ copy: [25] }), 'reversal.copy.0');
  refused(file({ set: { '24': 400 } }), 'reversal.set.24');
  refused(file({ amount: '4' }), 'reversal.amount');
  refused(file('4'), 'reversal');
  // Field 2 (PAN) and 35 (track 2) carry card data: their value would travel in the reversal's field 4, and at rest.
  refused(file({ approvedAmount: '2' }), 'reversal.approvedAmount');
  refused(file({ approvedAmount: '35' }), 'reversal.approvedAmount');
  try {
    file({ approvedAmount: '35' })();
  } catch (err) {
    assert.doesNotMatch(String((err as Error).message), /4111/);
  }
});

test('dialect-json reversal – the schema shipped describes it', () => {
  const d = dialectFromJson(JSON.stringify({ name: 'text', extends: 'iso93ascii', reversal: { approvedAmount: '4' }, fields: {} }));
  assert.deepEqual(d.reversal, { approvedAmount: '4' });
});

test('dialect-json reversal – set never names what identifies the original, card data, a field the dialect lacks, a value that does not pack', () => {
  const file = (reversal: unknown, base = 'iso87ascii') => () => dialectFromJson({ name: 'x', extends: base, reversal, fields: {} } as never);
  // The reviewer's proof: 11/41/4/90 overwritten, track 2 carried in field 35 (journaled at rest).
  const proof = { set: { '11': '000001', '41': 'TERM0001', '4': '000000000000', '90': '0'.repeat(42), '35': '4111111111111111=2512' } };
  for (const f of ['11', '41', '4', '90', '35']) refused(file(proof), `reversal.set.${f}`);
  for (const f of ['2', '7', '12']) refused(file({ set: { [f]: '1' } }), `reversal.set.${f}`);
  // The local date and the retrieval reference number find the original at many hosts: a fixed one finds none, or another.
  for (const f of ['13', '37']) for (const base of ['iso87ascii', 'iso93ascii']) refused(file({ set: { [f]: '1' } }, base), `reversal.set.${f}`);
  refused(file({ set: { '56': '1' } }, 'iso93ascii'), 'reversal.set.56');
  // The acquiring and forwarding institutions (32, 33: the original's, which field 90 / 56 names) and the original's
  // approval code (38): a fixed one made a 0400 whose own 32 was not the acquirer its field 90 names (the host does not
  // find the original, or finds another acquirer's). Values that pack: refused for what they are.
  const ids = { '32': '999999', '33': '888888', '38': 'ABC123' };
  for (const [f, value] of Object.entries(ids)) for (const base of ['iso87ascii', 'iso93ascii']) refused(file({ set: { [f]: value } }, base), `reversal.set.${f}`);
  refused(file({ set: { '52': '0123456789ABCDEF' } }), 'reversal.set.52');
  // Every reversal would fail to pack: reversals silently off.
  refused(file({ set: { '24': 'ABCD' } }), 'reversal.set.24');
  refused(file({ set: { '999': 'x' } }), 'reversal.set.999');
  refused(file({ copy: ['998'] }), 'reversal.copy.0');
  // The card data never reaches the error.
  assert.throws(file(proof), (err: unknown) => !String((err as Error).message).includes('4111111111111111'));
  // Code-made dialects go through the same check at createCodec.
  const coded = { ...getDialect('iso87ascii'), name: 'coded', reversal: { set: { '41': 'TERM0001' } } };
  refused(() => createCodec(coded), 'reversal.set.41');
  // Still allowed: a value that packs in a field the reversal may fix.
  assert.deepEqual(dialectFromJson({ name: 'ok', extends: 'iso87ascii', reversal: { set: { '25': '00' }, copy: ['22'] }, fields: {} }).reversal, { set: { '25': '00' }, copy: ['22'] });
});

test('dialect-json reversal – set never names how much the reversal undoes: amounts, rates, currencies, processing code', () => {
  const file = (reversal: unknown, base = 'iso87ascii') => () => dialectFromJson({ name: 'x', extends: base, reversal, fields: {} } as never);
  // The reviewer's proof: a 100.00 EUR purchase reversed as USD (49), as a partial reversal of a fixed amount (95),
  // under another processing code (3).
  const proof = { set: { '49': '840', '95': '0'.repeat(10) + '1' + '0'.repeat(31), '3': '200000' } };
  for (const f of ['49', '95', '3']) refused(file(proof), `reversal.set.${f}`);
  for (const f of ['5', '6', '8', '9', '10', '28', '29', '30', '31', '50', '51', '54']) refused(file({ set: { [f]: '1' } }), `reversal.set.${f}`);
  // 1993: the original amounts 30 and the fees 46 instead of 95 and 28-31; 95 is reference data there.
  for (const f of ['3', '5', '6', '8', '9', '10', '30', '46', '49', '50', '51', '54']) refused(file({ set: { [f]: '1' } }, 'iso93ascii'), `reversal.set.${f}`);
  assert.deepEqual(dialectFromJson({ name: 'ok93', extends: 'iso93ascii', reversal: { set: { '28': '261205', '95': 'REF' } }, fields: {} }).reversal?.set, { '28': '261205', '95': 'REF' });
  // Code-made dialects too, at createCodec.
  refused(() => createCodec({ ...getDialect('iso87ascii'), name: 'coded', reversal: { set: { '49': '840' } } }), 'reversal.set.49');
  // Every shipped dialect still loads.
  for (const name of BUILTIN_DIALECTS) createCodec(getDialect(name));
});

test('dialect-json reversal – set merges per field over the set of the dialect it extends; null unsets a field', () => {
  const more = dialectFromJson({ name: 'sv4', extends: 'smartvista', reversal: { set: { '25': '08' } }, fields: {} });
  assert.deepEqual(more.reversal?.set, { '24': '400', '25': '08' });
  const fewer = dialectFromJson({ name: 'sv5', extends: 'smartvista', reversal: { set: { '24': null } }, fields: {} } as never);
  assert.equal(fewer.reversal?.set, undefined);
  assert.deepEqual(getDialect('smartvista').reversal?.set, { '24': '400' }, 'the built-in is not changed');
});
