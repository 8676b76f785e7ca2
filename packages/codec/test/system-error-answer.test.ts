/**
 * A system error is judged in the answer's own codes: the MTI's version digit says which edition's codes field 39
 * carries (`carriesActionCodes`), so a 1430 answered `091` (a 1993 action code of the approval class) is not 1987's
 * `91` written in 3 digits, while a 0410 answered `068` is 1987's `68`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect, isApprovalClass, isSystemError, systemErrorCodesOf } from '../src/index.js';
import type { Dialect } from '../src/index.js';

const iso93 = getDialect('iso93ascii');
/** A 1987 dialect whose field 39 has 3 digits. */
const custom87: Dialect = { ...getDialect('iso87ascii'), name: 'custom87', fields: { ...getDialect('iso87ascii').fields, '39': { name: 'RESPONSE CODE', type: 'n', length: 3, encoding: 'ascii' } } };

test('system errors by the MTI – iso93ascii: 1430/091 and 1430/096 are not system errors (approval class); 0410/068, 0410/091 are', () => {
  for (const rc of ['068', '091', '096']) {
    assert.equal(isSystemError(iso93, rc, '1430'), false, `1430 ${rc}`);
    assert.equal(isSystemError(iso93, rc, '1420'), false, `1420 ${rc}`);
    assert.equal(isSystemError(iso93, rc, '0410'), true, `0410 ${rc}`);
  }
  assert.equal(isApprovalClass(iso93, '091', '1430'), true, 'what the late-approval check counts as money moved');
  assert.equal(isSystemError(iso93, '911', '1430'), true);
  assert.equal(isSystemError(iso93, '911', '0410'), false);
  assert.deepEqual(systemErrorCodesOf(iso93, '1420'), ['907', '909', '910', '911', '912']);
  assert.deepEqual(systemErrorCodesOf(iso93, '0400'), ['068', '091', '096']);
});

test('system errors by the MTI – a 1987 dialect with 3-digit field 39 likewise; a 2-character field 39 keeps 1987 codes; a dialect\'s own list wins', () => {
  assert.equal(isSystemError(custom87, '091', '1430'), false);
  assert.equal(isSystemError(custom87, '911', '1430'), true);
  assert.equal(isSystemError(custom87, '096', '0410'), true);
  const iso87 = getDialect('iso87ascii');
  assert.deepEqual(systemErrorCodesOf(iso87, '1430'), ['68', '91', '96']);
  assert.deepEqual(systemErrorCodesOf(getDialect('smartvista'), '0410'), systemErrorCodesOf(getDialect('smartvista')));
  assert.equal(isSystemError({ ...iso93, systemErrorCodes: ['091'] }, '091', '1430'), true);
});
