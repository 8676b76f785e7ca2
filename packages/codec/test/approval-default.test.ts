// The approval codes of a dialect that names none follow its field 39: `000` when it has 3 fixed characters (where
// `00` can never travel: an approved 1210 with 39 = 000 was counted declined), `00` otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approvalCode, approvalCodesOf, dialectFromJson, dialectFromPackagerXml, dialectVersion, isApproved } from '../src/index.js';

test('approval – a dialect with no approvalCodes whose field 39 has 3 fixed characters approves with 000, not 00', () => {
  const xml = `<?xml version="1.0"?>
<isopackager>
  <isofield id="0" length="4" name="MTI" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="1" length="16" name="BITMAP" class="org.jpos.iso.IFA_BITMAP"/>
  <isofield id="11" length="6" name="STAN" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="39" length="3" name="RESPONSE CODE" class="org.jpos.iso.IFA_NUMERIC"/>
</isopackager>`;
  const d = dialectFromPackagerXml(xml, 'rc3');
  assert.equal(dialectVersion(d), '1987', 'a 3-digit field 39 alone does not say 1993');
  assert.deepEqual(approvalCodesOf(d), ['000']);
  assert.equal(approvalCode(d), '000');
  assert.ok(isApproved(d, '000'));
  assert.ok(!isApproved(d, '00'));
  const char3 = dialectFromPackagerXml(xml.replace('IFA_NUMERIC"/>\n</isopackager>', 'IF_CHAR"/>\n</isopackager>'), 'rc3char');
  assert.deepEqual(approvalCodesOf(char3), ['000'], 'IF_CHAR 3 (ans 3) too');
  const variable = dialectFromPackagerXml(xml.replace('length="3" name="RESPONSE CODE" class="org.jpos.iso.IFA_NUMERIC"', 'length="3" name="RESPONSE CODE" class="org.jpos.iso.IFA_LLCHAR"'), 'rcvar');
  assert.deepEqual(approvalCodesOf(variable), ['00'], 'a variable field 39 keeps the default');
  assert.deepEqual(approvalCodesOf({ ...d, approvalCodes: ['001'] }), ['001'], 'approvalCodes given win');
});

test('approval – a JSON dialect whose field 39 is n 3 and that names no approvalCodes approves with 000', () => {
  const d = dialectFromJson({ name: 'rc3', extends: 'iso87ascii', fields: { '39': { type: 'n', length: 3 } } });
  assert.deepEqual(approvalCodesOf(d), ['000']);
  assert.deepEqual(approvalCodesOf(dialectFromJson({ name: 'rc2', extends: 'iso87ascii', fields: {} })), ['00']);
});
