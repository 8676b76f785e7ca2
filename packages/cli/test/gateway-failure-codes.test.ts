import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureReply } from '../src/gateway/failure.js';

const failures: Array<[string, string, string]> = [
  ['ISO8583_ERR_CONNECTOR_TIMEOUT', '68', '911'],
  ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', '94', '913'],
  ['ISO8583_ERR_INVALID_MESSAGE', '30', '904'],
  ['ISO8583_ERR_CONNECTOR_CLOSED', '91', '907'],
  ['SOMETHING_ELSE', '96', '909'],
];

test('gateway failure replies – field 39 follows the request MTI\'s edition: 1987 codes for 0xxx, 1993 action codes for 1xxx', () => {
  for (const [code, v1987, v1993] of failures) {
    const err = { code };
    assert.equal(failureReply({ 0: '0200', 11: '000001' }, err)?.['39'], v1987, code);
    assert.equal(failureReply({ 0: '1200', 11: '000001' }, err)?.['39'], v1993, code);
    assert.equal(failureReply({ 0: '1420', 11: '000001' }, err)?.['0'], '1430');
  }
  assert.equal(failureReply({ 0: '0210', 11: '000001' }, { code: 'X' }), undefined);
});
