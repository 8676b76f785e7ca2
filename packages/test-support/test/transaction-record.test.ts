import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SAMPLE_RECORD_T0, sampleTransactionRecord } from '../src/index.js';

test('sampleTransactionRecord – record n: its time, STAN, RRN and terminal follow n; the PAN is a masked test card', () => {
  const r = sampleTransactionRecord(1_000_007);
  assert.equal(r.at, SAMPLE_RECORD_T0 + 1_000_007_000);
  assert.equal(r.stan, '000007');
  assert.equal(r.rrn, '000001000007');
  assert.equal(r.terminal, 'TERM0002');
  assert.equal(r.pan, '411111******1111');
  assert.equal(r.outcome, 'approved');
  assert.deepEqual(sampleTransactionRecord(5), sampleTransactionRecord(5), 'the same n, the same record');
});

test('sampleTransactionRecord – overrides replace or add fields, the rest kept', () => {
  const r = sampleTransactionRecord(3, { node: 'bench-node', errorCode: 'X' });
  assert.equal(r.node, 'bench-node');
  assert.equal(r.errorCode, 'X');
  assert.deepEqual({ ...r, node: 'node-a', errorCode: undefined }, { ...sampleTransactionRecord(3), errorCode: undefined });
});
