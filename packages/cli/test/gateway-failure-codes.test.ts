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

// Every connector code, with the answer a terminal gets for it and why: a code added to the connector fails here until
// it is placed (raised before the write: 91; after it, or maybe: 68; neither, or never on the POS path: 96).
const BY_CODE: Record<string, string> = {
  OPTIONS: '96', // at start, never a request's
  CONNECT_TIMEOUT: '91', CONNECT_FAILED: '91', SIGN_ON: '91', // no link: never written
  TIMEOUT: '68', // written, no answer in time: reversed
  CONNECTION_LOST: '68', // written, its connection gone while it waited: reversed
  BAD_RESPONSE: '68', // written, answered with bytes that do not decode: reversed
  ANSWER_UNWRITABLE: '96', // HTTP routes only
  CLOSED: '91', // refused while stopping (a destroy cuts the POS connections first)
  POOL_EXHAUSTED: '91', IN_FLIGHT_LIMIT: '91', QUEUE_FULL: '91', QUEUE_TIMEOUT: '91', DEADLINE: '91', SAF_FULL: '91', // refused before the write
  DUPLICATE_KEY: '94',
  ABORTED: '96', // its caller's signal: always with `sent` ('no' 91, 'maybe' 68); the code alone says neither
  JOURNAL: '68', STORE: '68', STORE_LEASE_LOST: '68', // before the write, or after an answer not recorded (reversed)
  JOURNAL_LOCKED: '96', INPUT: '96', CROSS_SITE: '96', UNSOLICITED: '96', RAW_DIALECTS: '96',
  UPSTREAM_DOWN: '91', // a routing rule's upstream down: never written
  STORE_OTHER_BANK: '91', // the store's key recorded for another bank: the reversal refused before the write
  TRANSACTION_LOG: '96', TRANSACTION_LOG_LOCKED: '96', TRANSACTION_RECORD: '96', TRANSACTION_QUERY: '96', TRANSACTION_BUSY: '96', SAF: '96',
};

test('gateway failure codes – 91 only for a connector code raised before the request was written; 68 for one written or maybe written (reversed); 96 for a code that says neither', () => {
  const answers = Object.fromEntries(Object.keys(CONNECTOR_ERROR_CODES).map((code) => [code.replace('ISO8583_ERR_CONNECTOR_', ''), failureCode({ code })]));
  assert.deepEqual(answers, BY_CODE);
});

test('gateway failure codes – whether the request was written (the connector\'s `sent`) comes before its code: never written 91, written 68', () => {
  // CONNECTION_LOST of a channel closed between the pool and the send, JOURNAL or STORE refusing before the write.
  for (const code of ['ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'ISO8583_ERR_CONNECTOR_JOURNAL', 'ISO8583_ERR_CONNECTOR_STORE', 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST']) {
    assert.equal(failureCode({ code, sent: 'no' }), '91', code);
    assert.equal(failureReply({ 0: '1200', 11: '000001' }, { code, sent: 'no' })?.['39'], '907', code);
  }
  // CLOSED of a request written and held at the bank when the connector was destroyed: it is reversed.
  assert.equal(failureCode({ code: 'ISO8583_ERR_CONNECTOR_CLOSED', sent: 'maybe' }), '68');
  assert.equal(failureCode({ code: 'ISO8583_ERR_CONNECTOR_DEADLINE', sent: 'maybe' }), '68');
  // A request its caller's signal aborted: unwritten 91, written (reversed) 68.
  assert.equal(failureCode({ code: 'ISO8583_ERR_CONNECTOR_ABORTED', sent: 'no' }), '91');
  assert.equal(failureCode({ code: 'ISO8583_ERR_CONNECTOR_ABORTED', sent: 'maybe' }), '68');
  // A duplicate or a request that cannot be packed was never written, and says so itself.
  assert.equal(failureCode({ code: 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', sent: 'no' }), '94');
  assert.equal(failureCode({ code: 'ISO8583_ERR_FIELD_TOO_LONG', sent: 'no' }), '30');
});
