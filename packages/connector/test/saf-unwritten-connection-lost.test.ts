// The rule the SAF queue counts an attempt by (`unwritten`, saf-entry.ts) for `CONNECTION_LOST`: refused before its
// first byte was written (`sent: 'no'`, a connection found closed at the write) it is not counted toward
// `maxAttempts`, whatever its code; written (`sent: 'maybe'`, the connection dropped while it waited for its answer) it
// is, the bank may have it; without `sent` (an error that was no request's outcome) a lost connection counts, as only
// the codes of no connection at all (`CONNECT_FAILED`, `DEADLINE`...) say nothing left. The end-to-end case of a
// connection dropped after the write is saf-link-back.test.ts; before the write, no real socket reaches it: the pools
// give out only open channels and the write follows in the same turn (see the report of money43).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwritten } from '../src/saf-entry.js';

const LOST = 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST';

test('saf – an attempt refused unwritten with CONNECTION_LOST is not counted; written, or without sent, it is', () => {
  assert.equal(unwritten({ code: LOST, sent: 'no' }), true, 'never written: not counted');
  assert.equal(unwritten({ code: LOST, sent: 'maybe' }), false, 'written: counted (the bank may have it)');
  assert.equal(unwritten({ code: LOST }), false, 'no sent: counted');
  assert.equal(unwritten({ code: 'ISO8583_ERR_CONNECTOR_DEADLINE' }), true, 'no connection could be had: not counted');
  assert.equal(unwritten({ code: 'ISO8583_ERR_FIELD_TOO_LONG', sent: 'no' }), false, 'the codec refused the message: counted, it never heals');
});
