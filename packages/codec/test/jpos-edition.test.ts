// A jPOS packager file names neither the edition nor the approval codes: the import takes 1993 from the layout of the
// 1993 elements a 1993 exchange needs (field 25 n 4, field 56 n ..35), the approval codes follow field 39's width, and
// a JSON dialect file that `extends` the .xml file (a path relative to it) says either itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVector, vectorPath } from '@iso8583/test-support';
import { approvalCodesOf, dialectFromPackagerXml, dialectVersion, isApproved, resolveDialect } from '../src/index.js';

function imported(relative: string) {
  return dialectFromPackagerXml(readVector(relative).toString('utf8'), relative);
}

test('jPOS import – a 1993 packager (iso93ebcdic-custom) is a 1993 dialect approving with 000; the 1987 ones stay 1987 with 00', () => {
  const d93 = imported('jpos/packagers/iso93ebcdic-custom.xml');
  assert.equal(dialectVersion(d93), '1993');
  assert.deepEqual(approvalCodesOf(d93), ['000']);
  assert.ok(isApproved(d93, '000'), 'an approved 1210 (39 = 000) is approved');
  for (const relative of ['jpos/packagers/iso87ascii.xml', 'jpos/packagers/iso87binary.xml', 'jpos/packagers/postpack.xml', 'wso2/jposdef.xml']) {
    const d = imported(relative);
    assert.equal(dialectVersion(d), '1987', relative);
    assert.deepEqual(approvalCodesOf(d), ['00'], relative);
  }
});

test('JSON dialect – extends a jPOS .xml file (relative to the JSON file) and gives it its edition and approval codes', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-extends-xml-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(vectorPath('jpos/packagers/iso87ascii.xml'), join(dir, 'acquirer.xml'));
  writeFileSync(join(dir, 'acquirer.json'), JSON.stringify({ name: 'acquirer', extends: 'acquirer.xml', approvalCodes: ['00', '08'], reversal: { copy: ['48'] }, fields: { '48': { sensitive: 'cvv' } } }));
  const d = resolveDialect(join(dir, 'acquirer.json'));
  assert.equal(d.name, 'acquirer');
  assert.deepEqual(d.approvalCodes, ['00', '08']);
  assert.deepEqual(d.reversal, { copy: ['48'] });
  assert.equal(d.fields['48']?.sensitive, 'cvv');
  assert.equal(d.fields['90']?.length, 42, 'the packager\'s fields');
  copyFileSync(vectorPath('jpos/packagers/iso93ebcdic-custom.xml'), join(dir, 'ebcdic93.xml'));
  writeFileSync(join(dir, 'ebcdic93.json'), JSON.stringify({ name: 'ebcdic93', extends: 'ebcdic93.xml', approvalCodes: ['000', '001'], fields: {} }));
  const d93 = resolveDialect(join(dir, 'ebcdic93.json'));
  assert.equal(d93.version, '1993');
  assert.equal(d93.headerLength, 9);
  assert.deepEqual(d93.approvalCodes, ['000', '001']);
  writeFileSync(join(dir, 'missing.json'), JSON.stringify({ name: 'missing', extends: 'nowhere.xml', fields: {} }));
  assert.throws(() => resolveDialect(join(dir, 'missing.json')), (err: Error & { code?: string; problems?: { field: string }[] }) => {
    assert.equal(err.code, 'ISO8583_ERR_DIALECT_INVALID');
    assert.equal(err.problems?.[0]?.field, 'extends');
    return true;
  });
});
