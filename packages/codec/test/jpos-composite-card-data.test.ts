/**
 * Card data by name in an imported packager, for composite fields (isofieldpackager): a private 62 "CVV2 DATA" or 63
 * "ICC DATA" whose sub-fields have plain names ("VALUE", "DATA") is marked as a whole, as a plain field of that name
 * is, so describe and maskMessage hide it and the card-data field lists count it; a composite inside a composite
 * is marked by its name too. Before: only plain fields were marked, and describe printed `62.2 VALUE: 123`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticationDataFields, describe, dialectFromPackagerXml, maskMessage } from '../src/index.js';
import { jposPackager } from './jpos-support.js';

/** A positional composite `id` named `name`, with sub-fields 1 "PRESENCE INDICATOR" and 2 `sub` (LLCHAR). */
function composite(id: string, name: string, sub: string, inner = ''): string {
  return `<isofieldpackager id="${id}" length="999" name="${name}" class="org.jpos.iso.IFA_LLLCHAR"
      packager="org.jpos.iso.packager.GenericSubFieldPackager" emitBitmap="false">
    <isofield id="1" length="1" name="PRESENCE INDICATOR" class="org.jpos.iso.IF_CHAR"/>
    <isofield id="2" length="99" name="${sub}" class="org.jpos.iso.IFA_LLCHAR"/>${inner}
  </isofieldpackager>`;
}

const CVV = '123';
const ICC = '9F2608A1B2C3D4E5F60718';

test('jPOS composite card data – a top-level composite named for card data is marked, hidden, and counted as card data', () => {
  const dialect = dialectFromPackagerXml(
    jposPackager(`<isofield id="11" length="6" name="STAN" class="org.jpos.iso.IFA_NUMERIC"/>
  ${composite('62', 'CVV2 DATA', 'VALUE')}
  ${composite('63', 'ICC DATA', 'DATA')}
  ${composite('120', 'ADDITIONAL DATA', 'VALUE')}`),
  );
  assert.equal(dialect.fields['62']?.sensitive, 'cvv');
  assert.equal(dialect.fields['63']?.sensitive, 'emv');
  assert.equal(dialect.fields['120']?.sensitive, undefined, 'a composite named for no card data stays unmarked');
  const message = { '0': '0100', '11': '000001', '62': { '1': '1', '2': CVV }, '63': { '1': '1', '2': ICC }, '120': { '1': '1', '2': 'SHOWN' } };
  const text = describe(message, dialect);
  assert.doesNotMatch(text, new RegExp(`\\b${CVV}\\b|${ICC}`), text);
  assert.match(text, /SHOWN/);
  const masked = JSON.stringify(maskMessage(message, dialect));
  assert.ok(!masked.includes(ICC) && !/"123"/.test(masked), masked);
  const fields = authenticationDataFields(dialect);
  assert.ok(fields.has('62'), [...fields.keys()].join(','));
  assert.ok(fields.has('63'), [...fields.keys()].join(','));
  assert.ok(!fields.has('120'));
});

test('jPOS composite card data – a composite inside a composite is marked by its name, as a sub-field is', () => {
  const inner = `
    <isofieldpackager id="3" length="99" name="CVV2 DATA" class="org.jpos.iso.IFA_LLCHAR"
        packager="org.jpos.iso.packager.GenericSubFieldPackager" emitBitmap="false">
      <isofield id="1" length="1" name="PRESENCE INDICATOR" class="org.jpos.iso.IF_CHAR"/>
      <isofield id="2" length="4" name="VALUE" class="org.jpos.iso.IF_CHAR"/>
    </isofieldpackager>`;
  const dialect = dialectFromPackagerXml(jposPackager(composite('126', 'PRIVATE', 'NOTE', inner)));
  assert.equal(dialect.fields['126']?.sensitive, undefined);
  assert.equal(dialect.fields['126']?.subfields?.fields['3']?.sensitive, 'cvv');
  const message = { '0': '0100', '126': { '1': '1', '2': 'SHOWN', '3': { '1': '1', '2': '9876' } } };
  const text = describe(message, dialect);
  assert.doesNotMatch(text, /9876/, text);
  assert.match(text, /SHOWN/);
  assert.ok(!JSON.stringify(maskMessage(message, dialect)).includes('9876'));
  assert.ok(authenticationDataFields(dialect).has('126'));
});
