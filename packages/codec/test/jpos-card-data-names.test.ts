/**
 * Card data by name in an imported packager: a data element the standard's numbers leave unmarked (a private 62
 * "CVV2 VALUE", 96 "PIN BLOCK (SECONDARY)") is masked by its name as a sub-field is, and the name rule knows the
 * common spellings (CID, CAV2, Card Security Code, CVC3, PINBLOCK, Encrypted PIN) without masking what carries no
 * card data (PIN entry mode, PIN capture code, a CVV2 result, the PAN's country code).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticationDataFields, describe, dialectFromPackagerXml, maskMessage } from '../src/index.js';
import { jposPackager } from './jpos-support.js';

/** A top-level field 62 (text) and, in a positional composite 126, sub-field 1 (text), both named `name`. */
function named(name: string) {
  const dialect = dialectFromPackagerXml(
    jposPackager(`<isofield id="62" length="999" name="${name}" class="org.jpos.iso.IFA_LLLCHAR"/>
  <isofieldpackager id="126" length="999" name="PRIVATE" class="org.jpos.iso.IFA_LLLCHAR"
      packager="org.jpos.iso.packager.GenericSubFieldPackager" emitBitmap="false">
    <isofield id="1" length="20" name="${name}" class="org.jpos.iso.IFA_LLCHAR"/>
  </isofieldpackager>`),
  );
  return { top: dialect.fields['62']?.sensitive, sub: dialect.fields['126']?.subfields?.fields['1']?.sensitive };
}

test('jPOS card data names – a private data element named for card data is masked, as its sub-field twin is', () => {
  const dialect = dialectFromPackagerXml(
    jposPackager(`<isofield id="11" length="6" name="STAN" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="62" length="999" name="CVV2 VALUE" class="org.jpos.iso.IFA_LLLCHAR"/>
  <isofield id="96" length="8" name="PIN BLOCK (SECONDARY)" class="org.jpos.iso.IFB_BINARY"/>`),
  );
  assert.equal(dialect.fields['62']?.sensitive, 'cvv');
  assert.equal(dialect.fields['96']?.sensitive, 'pin');
  assert.equal(dialect.fields['11']?.sensitive, undefined);
  const message = { '0': '0100', '11': '000001', '62': '123', '96': '1A2B3C4D5E6F7A8B' };
  const masked = maskMessage(message, dialect);
  assert.notEqual(masked['62'], '123');
  assert.notEqual(masked['96'], '1A2B3C4D5E6F7A8B');
  assert.equal(masked['11'], '000001');
  const text = describe(message, dialect);
  assert.doesNotMatch(text, /123\b|1A2B3C4D5E6F7A8B/);
});

test('jPOS card data names – the standard\'s number wins over the name', () => {
  // Field 2 is the PAN whatever its name says; a name never unmarks a field.
  const dialect = dialectFromPackagerXml(jposPackager('<isofield id="2" length="19" name="PIN BLOCK" class="org.jpos.iso.IFA_LLNUM"/>'));
  assert.equal(dialect.fields['2']?.sensitive, 'pan');
});

test('jPOS card data names – the common spellings of card verification data and PIN blocks are masked', () => {
  const expected: [string, string][] = [
    ['CID', 'cvv'],
    ['CAV2', 'cvv'],
    ['CAV 2', 'cvv'],
    ['Card Security Code', 'cvv'],
    ['CSC', 'cvv'],
    ['CVC3', 'cvv'],
    ['CVV2/CVC2', 'cvv'],
    ['Card Verification Value 2', 'cvv'],
    ['PINBLOCK', 'pin'],
    ['PIN_BLOCK', 'pin'],
    ['Encrypted PIN', 'pin'],
    ['Enciphered PIN', 'pin'],
    ['Secondary PIN Block', 'pin'],
    ['Track2', 'track'],
  ];
  for (const [name, sensitivity] of expected) assert.deepEqual(named(name), { top: sensitivity, sub: sensitivity }, name);
});

test('jPOS card data names – names that carry no card data stay unmasked', () => {
  for (const name of [
    'PIN ENTRY MODE',
    'POS ENTRY MODE',
    'PIN capture code',
    'POS PIN CAPTURE CODE',
    'PIN Verification',
    'CVV2 Presence Ind',
    'CVV2 Result Data',
    'CVV2 Responce Code',
    'CVC/CVV Ver Res',
    'CVC2/CVV2 Reason Cde',
    'PAN EXTENDED COUNTRY CODE',
    'Country code, Primary account number',
    'PAN SEQUENCE NUMBER',
    'Acquiring institution id',
    'Additional data - private',
  ]) {
    assert.deepEqual(named(name), { top: undefined, sub: undefined }, name);
  }
});

test('jPOS card data names – a name about chip data marks nothing; a private field of chip data is chip data (never stored)', () => {
  const dialect = dialectFromPackagerXml(
    jposPackager(`<isofield id="22" length="3" name="POS ENTRY MODE (ICC/EMV)" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="23" length="3" name="ICC CARD SEQUENCE NUMBER" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="55" length="999" name="RESERVED ISO" class="org.jpos.iso.IFB_LLLBINARY"/>
  <isofield id="60" length="999" name="TERMINAL EMV CAPABILITY" class="org.jpos.iso.IFA_LLLCHAR"/>
  <isofield id="61" length="999" name="ICC RESPONSE CODE" class="org.jpos.iso.IFA_LLLCHAR"/>
  <isofield id="63" length="999" name="ICC DATA" class="org.jpos.iso.IFA_LLLBINARY"/>`),
  );
  const neverStored = authenticationDataFields(dialect);
  assert.ok(neverStored.has('55'));
  // A private field carrying chip data (tag 57 and 5A inside) is chip data: never stored.
  assert.equal(dialect.fields['63']?.sensitive, 'emv');
  assert.ok(neverStored.has('63'));
  for (const id of ['22', '23', '60', '61']) {
    assert.equal(dialect.fields[id]?.sensitive, undefined, id);
    assert.equal(neverStored.has(id), false, id);
  }
  for (const name of ['ICC DATA', 'EMV Data', 'ICC RESPONSE DATA', 'ICC SYSTEM RELATED DATA (RESPONSE)', 'EMV DATA (ISSUER SCRIPT RESULTS)']) {
    assert.deepEqual(named(name), { top: 'emv', sub: 'emv' }, name);
  }
  for (const name of ['ICC CARD SEQUENCE NUMBER', 'POS ENTRY MODE (ICC/EMV)', 'TERMINAL EMV CAPABILITY', 'ICC RESPONSE CODE', 'PAN ENTRY MODE', 'PAN EXTENDED COUNTRY CODE']) {
    assert.deepEqual(named(name), { top: undefined, sub: undefined }, name);
  }
  // A name that carries the PAN and more, or the PAN of an answer, is the PAN.
  for (const name of ['PAN AND SERVICE CODE', 'PAN, EXPIRY DATE AND SERVICE CODE', 'REPLACEMENT PAN (RESPONSE)', 'PAN (TOKEN) RESPONSE']) {
    assert.deepEqual(named(name), { top: 'pan', sub: 'pan' }, name);
  }
});

test('jPOS card data names – a card verification value "if present" is the value, its presence indicator is not', () => {
  for (const name of ['CVV2 VALUE IF PRESENT', 'CVV2 DATA (PRESENT)']) assert.deepEqual(named(name), { top: 'cvv', sub: 'cvv' }, name);
  for (const name of ['CVV2 PRESENCE INDICATOR', 'CVV2 Presence Ind', 'CVV2 FLAG', 'CVV2 PRESENT', 'CVC2 PRESENT']) assert.deepEqual(named(name), { top: undefined, sub: undefined }, name);
});
