// responseTo: the one rule for a reply made from its request (the inbound endpoint's 30 and 96, the gateway's own
// answers): the response MTI, the echoed identity fields (the PAN as a bank echoes it), field 39; never track, PIN or
// EMV data; nothing for a message that expects no reply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESPONSE_ECHOED_FIELDS, responseTo } from '../src/index.js';

test('responseTo – echoes the identity fields, never track, PIN or EMV data, and sets field 39', () => {
  const request = {
    '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': '000042', '35': '4111111111111111=3012',
    '41': 'TERM0001', '52': '0123456789ABCDEF', '55': '9F2608AABB', '90': '020000004211211030000000000000000000000000',
  };
  assert.deepEqual(responseTo(request, '91'), {
    '0': '0210', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': '000042', '41': 'TERM0001',
    '90': '020000004211211030000000000000000000000000', '39': '91',
  });
  for (const secret of ['35', '36', '45', '52', '53', '55']) assert.ok(!RESPONSE_ECHOED_FIELDS.includes(secret), secret);
});

test('responseTo – the MTI given (read where the rest did not decode) wins; a response or acknowledgement gets none', () => {
  assert.equal(responseTo({ '11': '000001' }, '30', '0100')?.['0'], '0110');
  assert.equal(responseTo({ '0': '0401' }, '68')?.['0'], '0410');
  assert.equal(responseTo({ '0': '0210' }, '96'), undefined);
  assert.equal(responseTo({}, '96'), undefined);
});
