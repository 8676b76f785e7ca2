import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONNECTOR_ERROR_CODES } from '@iso8583/connector';
import { failureCode, failureReply } from '../src/gateway/failure.js';

const failures: Array<[string, string, string]> = [
  ['ISO8583_ERR_CONNECTOR_TIMEOUT', '68', '911'],
  ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', '94', '913'],
  ['ISO8583_ERR_INVALID_MESSAGE', '30', '904'],
  ['ISO8583_ERR_CONNECTOR_CLOSED', '91', '907'],
  ['ISO8583_ERR_CONNECTOR_DEADLINE', '91', '907'],
  ['ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN', '91', '907'],
  ['ISO8583_ERR_CONNECTOR_BAD_RESPONSE', '68', '911'],
  ['ISO8583_ERR_CONNECTOR_CONNECTION_LOST', '68', '911'],
  ['ISO8583_ERR_CONNECTOR_JOURNAL', '68', '911'],
  ['ISO8583_ERR_CONNECTOR_STORE', '68', '911'],
  ['ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST', '68', '911'],
  ['ISO8583_ERR_CONNECTOR_ANSWER_UNWRITABLE', '96', '909'],
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

test('gateway failure codes – 91 only for a connector code raised before the request was written; 68 for one written or maybe written (reversed); 96 for a code that says neither', () => {
  const codes = Object.keys(CONNECTOR_ERROR_CODES);
  const byAnswer = (rc: string): string[] => codes.filter((code) => failureCode({ code }) === rc);
  assert.deepEqual(byAnswer('91'), [
    'ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT',
    'ISO8583_ERR_CONNECTOR_CONNECT_FAILED',
    'ISO8583_ERR_CONNECTOR_SIGN_ON',
    'ISO8583_ERR_CONNECTOR_CLOSED',
    'ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED',
    'ISO8583_ERR_CONNECTOR_IN_FLIGHT_LIMIT',
    'ISO8583_ERR_CONNECTOR_QUEUE_FULL',
    'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT',
    'ISO8583_ERR_CONNECTOR_DEADLINE',
    'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN',
  ]);
  assert.deepEqual(byAnswer('68'), [
    'ISO8583_ERR_CONNECTOR_TIMEOUT',
    'ISO8583_ERR_CONNECTOR_CONNECTION_LOST',
    'ISO8583_ERR_CONNECTOR_BAD_RESPONSE',
    'ISO8583_ERR_CONNECTOR_JOURNAL',
    'ISO8583_ERR_CONNECTOR_STORE',
    'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST',
  ]);
});
