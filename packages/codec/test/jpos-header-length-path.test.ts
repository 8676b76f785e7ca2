/** A jPOS packager's own headerLength out of range is named as such (it named an empty field: "field : packager"). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error, dialectFromPackagerXml } from '../src/index.js';

test('jPOS import – an isopackager headerLength out of range names headerLength, not an empty field', () => {
  const xml = '<isopackager headerLength="70000"><isofield id="0" length="4" name="MTI" class="org.jpos.iso.IFA_NUMERIC"/>' +
    '<isofield id="1" length="16" name="BITMAP" class="org.jpos.iso.IFA_BITMAP"/><isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM"/></isopackager>';
  assert.throws(() => dialectFromPackagerXml(xml, 'p'), (err: unknown) => {
    assert.ok(err instanceof Iso8583Error);
    assert.equal(err.code, 'ISO8583_ERR_PACKAGER_XML');
    assert.equal(err.field, 'headerLength');
    assert.deepEqual(err.problems, [{ field: 'headerLength', code: 'ISO8583_ERR_PACKAGER_XML', reason: 'must be a whole number of bytes from 0 to 65535' }]);
    assert.equal(err.message, 'field headerLength: packager "p": must be a whole number of bytes from 0 to 65535');
    return true;
  });
});
