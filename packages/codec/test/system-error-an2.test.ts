// A 1993 dialect whose field 39 keeps 2 characters (1993 MTIs, 1987 response codes: speaksResponseCodes1987) has the
// 1987 system errors by default, not the 3-digit 1993 action codes that could never arrive in its field 39.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialectFromJson, isSystemError, speaksResponseCodes1987, systemErrorCodesOf } from '../src/index.js';

test('a 1993 dialect with a 2-character field 39 defaults to the 1987 system errors 68, 91 and 96', () => {
  const net93 = dialectFromJson({ name: 'net93', extends: 'iso93ascii', approvalCodes: ['00'], fields: { '39': { type: 'an', length: 2 } } });
  assert.equal(speaksResponseCodes1987(net93), true);
  assert.deepEqual(systemErrorCodesOf(net93), ['68', '91', '96']);
  assert.equal(isSystemError(net93, '96'), true);
  assert.equal(isSystemError(net93, '909'), false);
  const own = dialectFromJson({ name: 'net93b', extends: 'iso93ascii', approvalCodes: ['00'], systemErrorCodes: ['91'], fields: { '39': { type: 'an', length: 2 } } });
  assert.deepEqual(systemErrorCodesOf(own), ['91'], 'its own list still wins');
});
