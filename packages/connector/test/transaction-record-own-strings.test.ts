// A record keeps its values as strings of their own: field 42 (15 characters) cut from a decoded message was a V8
// slice holding the whole message's text for as long as the record was kept (the console's ring, a store's batch):
// 3.2 KB held per record for a message of 3 KB. Measured on the heap, 2,000 records of messages with 3 KB of
// private fields (48, 62, 63), against the same records copied flat. The copy is made only of values taken from the
// message: the clear PAN is masked first (never copied through the Buffer pool's shared slab), and the recorder's own
// names (node, upstream) are not copied again for every record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { createCodec, resolveDialect } from '@iso8583/codec';
import { TransactionRecorder, toTransactionRecord } from '../src/index.js';
import { transactionValues } from '../src/transaction-allow-list.js';
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

/** Whether the Buffer pool's current slab (where a small `Buffer.from` is copied) holds `text` in Latin-1. */
function inPoolSlab(text: string): boolean {
  const probe = Buffer.from('x');
  assert.ok(probe.byteOffset > 0 || probe.buffer.byteLength > probe.length, 'a small Buffer comes from the pool');
  // A view of the slab (no copy); the search itself copies `text` nowhere (Node searches a string natively).
  return Buffer.from(probe.buffer).includes(text, 0, 'latin1');
}

test('transaction record – the clear PAN and the recorder\'s own names are not copied through the Buffer pool', () => {
  // Values of their own (no other test of this file uses them): a test card number, a node and upstream name.
  const pan = ['4000', '0566', '5566', '5556'].join('');
  const node = ['gateway-node', 'own-strings-7c21'].join('-');
  const upstream = ['acquirer-bank', 'own-strings-7c21'].join('-');
  const merchant = ['MERCHANT', '0000042'].join('');
  for (const make of [(r: object) => toTransactionRecord(r), (r: object) => transactionValues(r)]) {
    assert.equal(inPoolSlab(pan), false, 'the slab holds no clear PAN before the record');
    make({ at: Date.now(), node, upstream, mti: '0200', pan, merchant, latencyMs: 1, outcome: 'approved' });
    assert.equal(inPoolSlab(pan), false, 'the clear PAN was copied through the pool before it was masked');
    assert.equal(inPoolSlab(node), false, 'the node name is copied again for each record');
    assert.equal(inPoolSlab(upstream), false, 'the upstream name is copied again for each record');
    // A value taken from the message is still copied (of its own): the probe reads the right slab.
    assert.equal(inPoolSlab(merchant), true, 'field 42 is copied');
  }
});
