// The allow-list every store calls (toTransactionRecord) and the recorder's records: plain objects, keys in the same
// order as before they were made in one allocation, a PAN masked once (an already-masked PAN kept as it is, anything
// else masked), and exactly the control characters U+0000-U+001F and U+007F refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { maskPan, resolveDialect } from '@iso8583/codec';
import { TransactionRecorder, toTransactionRecord } from '../src/index.js';
import type { TransactionLog, TransactionRecord } from '../src/index.js';
import { TRANSACTION_TEXT_KEYS, sealedTransactionRecord, transactionValues } from '../src/transaction-allow-list.js';

const BASE = { at: 1_764_556_800_000, node: 'gw-1', upstream: '127.0.0.1:9000', mti: '0200', latencyMs: 1.5, outcome: 'approved' };

test('toTransactionRecord: the record is a plain object with the keys in the allow-list order (the stored JSON unchanged)', () => {
  const clean = toTransactionRecord({ ...BASE, terminal: '00992468', stan: '000123', pan: '4111111111111111', responseCode: '00', extra: 'dropped' });
  assert.equal(Object.getPrototypeOf(clean), Object.prototype);
  assert.deepEqual(clean, { ...BASE, pan: '411111******1111', stan: '000123', responseCode: '00', terminal: '00992468' });
  assert.equal(
    JSON.stringify(clean),
    '{"at":1764556800000,"latencyMs":1.5,"outcome":"approved","node":"gw-1","upstream":"127.0.0.1:9000","mti":"0200",' +
      '"pan":"411111******1111","stan":"000123","responseCode":"00","terminal":"00992468"}',
  );
});

test('toTransactionRecord: a PAN already masked is kept; a full PAN, a short one or stars in other places are masked', () => {
  const cases: [string, string][] = [
    ['411111******1111', '411111******1111'],
    ['5555555555554444', '555555******4444'],
    ['4111111111111111111', '411111*********1111'],
    ['4111**1111111111', maskPan('4111**1111111111')],
    ['411111*****11111', maskPan('411111*****11111')],
    ['1234567890', '**********'],
    ['*****', '*****'],
  ];
  for (const [pan, stored] of cases) {
    const clean = toTransactionRecord({ ...BASE, pan });
    assert.equal(clean.pan, stored, `pan ${pan}`);
    assert.equal(clean.pan, maskPan(pan), `pan ${pan}: as maskPan masks it`);
  }
});

test('toTransactionRecord: exactly U+0000-U+001F and U+007F are refused as control characters, naming the key', () => {
  for (let code = 0; code <= 0xa0; code++) {
    const value = `00${String.fromCharCode(code)}`;
    const control = code <= 0x1f || code === 0x7f;
    if (control) {
      assert.throws(
        () => toTransactionRecord({ ...BASE, responseCode: value }),
        (err: { code?: string; field?: string; message: string }) =>
          err.code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD' && err.field === 'responseCode' && /control character/.test(err.message),
        `U+${code.toString(16).padStart(4, '0')}`,
      );
    } else {
      assert.equal(toTransactionRecord({ ...BASE, responseCode: value }).responseCode, value, `U+${code.toString(16).padStart(4, '0')}`);
    }
  }
});

test('transactionValues (the PostgreSQL store\'s allow-list, no object per record) gives what toTransactionRecord keeps, and the same refusals', () => {
  const inputs: unknown[] = [
    { ...BASE, terminal: '00992468', stan: '000123', pan: '4111111111111111', responseCode: '00', track2: '4111111111111111=2812', extra: 'dropped' },
    { ...BASE, pan: '411111******1111', merchant: 'A\\B "C"', errorCode: 'ISO8583_ERR_CONNECTOR_TIMEOUT', outcome: 'timeout' },
    { ...BASE, node: 'spoofed' },
  ];
  for (const input of inputs) {
    const clean = toTransactionRecord(input) as unknown as Record<string, unknown>;
    const v = transactionValues(input);
    const rebuilt: Record<string, unknown> = { at: v.at, latencyMs: v.latencyMs, outcome: v.outcome };
    TRANSACTION_TEXT_KEYS.forEach((key, i) => {
      if (v.texts[i] !== undefined) rebuilt[key] = v.texts[i];
    });
    assert.deepEqual(rebuilt, clean);
  }
  assert.equal(transactionValues({ ...BASE, node: 'spoofed' }, 'gw-2').texts[TRANSACTION_TEXT_KEYS.indexOf('node')], 'gw-2', 'node replaced');
  const bad: [unknown, string][] = [
    [{ ...BASE, stan: '1234567' }, 'stan'],
    [{ ...BASE, responseCode: '0\n' }, 'responseCode'],
    [{ ...BASE, at: -1 }, 'at'],
    [{ ...BASE, outcome: 'lost' }, 'outcome'],
    [{ ...BASE, mti: undefined }, 'mti'],
    ['text', 'record'],
  ];
  for (const [input, field] of bad) {
    for (const check of [toTransactionRecord, transactionValues]) {
      assert.throws(() => check(input), (err: { code?: string; field?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD' && err.field === field, `${check.name} ${field}`);
    }
  }
});

test('transactionValues of a sealed record (a recorder with observers) gives the values it was sealed with, node replaced and checked', () => {
  const input = { ...BASE, terminal: '00992468', stan: '000123', pan: '4111111111111111', responseCode: '00', track2: '4111111111111111=2812' };
  const expected = [...transactionValues(input).texts];
  const sealed = sealedTransactionRecord(input);
  const v = transactionValues(sealed);
  assert.deepEqual([v.at, v.latencyMs, v.outcome], [BASE.at, BASE.latencyMs, BASE.outcome]);
  assert.deepEqual(v.texts, expected, 'the same values as the unsealed record, the PAN masked');
  assert.ok(!v.texts.includes('4111111111111111=2812'));
  const nodeAt = TRANSACTION_TEXT_KEYS.indexOf('node');
  assert.equal(transactionValues(sealed, 'gw-2').texts[nodeAt], 'gw-2', 'node replaced');
  assert.equal(transactionValues(sealedTransactionRecord({ ...BASE })).texts[TRANSACTION_TEXT_KEYS.indexOf('stan')], undefined, 'a key the sealed record lacks');
  assert.throws(() => transactionValues(sealed, 'gw\n2'), (err: { code?: string; field?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD' && err.field === 'node');
});

test('TransactionRecorder: a record is a plain object, its keys in the order they always had', () => {
  const records: TransactionRecord[] = [];
  const log: TransactionLog = {
    open: () => Promise.resolve(),
    record: (r) => {
      records.push(r);
      return Promise.resolve();
    },
    query: () => Promise.resolve([]),
    prune: () => Promise.resolve(0),
    close: () => Promise.resolve(),
  };
  const recorder = new TransactionRecorder(log, 'gw-1', '127.0.0.1:9000', resolveDialect('iso87ascii'), pino({ level: 'silent' }));
  const request = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '1000', 11: '123', 41: '00992468' };
  const record = recorder.answered(request, { 0: '0210', 37: '123456789012', 38: 'A12345', 39: '00' }, BASE.at, 1.23456);
  assert.equal(Object.getPrototypeOf(record), Object.prototype);
  assert.deepEqual(Object.keys(record), [
    'at', 'node', 'upstream', 'mti', 'latencyMs', 'outcome', 'pan', 'processingCode', 'amount', 'stan', 'rrn', 'terminal',
    'responseMti', 'authCode', 'responseCode',
  ]);
  assert.deepEqual(record, {
    at: BASE.at, node: 'gw-1', upstream: '127.0.0.1:9000', mti: '0200', latencyMs: 1.235, outcome: 'approved', pan: '411111******1111',
    processingCode: '000000', amount: '000000001000', stan: '000123', rrn: '123456789012', terminal: '00992468', responseMti: '0210',
    authCode: 'A12345', responseCode: '00',
  });
  const failed = recorder.failed(request, 'ISO8583_ERR_CONNECTOR_TIMEOUT', BASE.at, 30_000);
  assert.equal(failed.outcome, 'timeout');
  assert.equal(failed.errorCode, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal(Object.getPrototypeOf(failed), Object.prototype);
});
