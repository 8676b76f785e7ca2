// A record keeps its values as strings of their own: field 42 (15 characters) cut from a decoded message was a V8
// slice holding the whole message's text for as long as the record was kept (the console's ring, a store's batch):
// 3.2 KB held per record for a message of 3 KB. Measured on the heap, 2,000 records of messages with 3 KB of
// private fields (48, 62, 63), against the same records copied flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { createCodec, resolveDialect } from '@iso8583/codec';
import { TransactionRecorder, toTransactionRecord } from '../src/index.js';
import type { TransactionLog, TransactionRecord } from '../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('transaction record – a value cut from a decoded message does not hold the message', () => {
  const codec = createCodec('iso87ascii');
  const recorder = new TransactionRecorder({} as TransactionLog, 'gw-1', 'bank', resolveDialect('iso87ascii'), pino({ enabled: false }));
  const message = (i: number) => ({ '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': String(i % 999_999).padStart(6, '0'), '41': 'TERM0001', '42': 'MERCHANT0000001', '48': 'X'.repeat(999), '62': 'Y'.repeat(999), '63': 'Z'.repeat(999) });
  const held = (flat: boolean): number => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept: TransactionRecord[] = [];
    for (let i = 0; i < 2_000; i++) {
      const request = codec.decode(codec.pack(message(i))).message;
      const record = toTransactionRecord(recorder.answered(request, { ...request, '0': '0210', '39': '00' }, Date.now(), 1));
      kept.push(flat ? (JSON.parse(JSON.stringify(record)) as TransactionRecord) : record);
    }
    gc();
    const bytes = (process.memoryUsage().heapUsed - before) / kept.length;
    assert.equal(kept.at(-1)?.merchant, 'MERCHANT0000001');
    return bytes;
  };
  held(false);
  held(true);
  const asKept = held(false);
  const flat = held(true);
  assert.ok(asKept < flat + 1_000, `a record holds ${Math.round(asKept)} bytes, a flat copy ${Math.round(flat)}: a value holds its message (3 KB)`);
});
