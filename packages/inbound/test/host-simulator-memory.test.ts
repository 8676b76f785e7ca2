// The host simulator's books keep a few short values of each transaction (STAN, terminal, card, keys), never the
// message they were read from: a client padding its requests with private fields up to the frame size must not make
// each journal entry, or each remembered reversal, hold its whole message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MessageInput } from '@iso8583/codec';
import { createHostSimulator } from '../src/index.js';
import { startEndpoint } from './support/endpoint.js';
import { TestClient } from './support/client.js';
import { VISA, tx } from './support/simulator.js';

/** Private and reserved fields of iso87ascii that are `ans ..999`: about 30 KB of padding a message. */
const PADDING_FIELDS = [46, 47, 48, 57, 58, 59, 60, 61, 62, 63, ...Array.from({ length: 23 }, (_, i) => 105 + i)];

/** Messages of each kind sent (each journaled or remembered: `journalSize` is larger). */
const COUNT = 800;

function padded(fields: MessageInput): MessageInput {
  const out: MessageInput = { ...fields };
  for (const field of PADDING_FIELDS) out[field] = 'X'.repeat(999);
  return out;
}

/** Sends `make(i)` for i in [0, COUNT) on one connection, 50 at a time, and checks each reply's response code. */
async function sendAll(client: TestClient, make: (i: number) => MessageInput, code: string): Promise<void> {
  for (let start = 0; start < COUNT; start += 50) {
    client.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => client.frame(make(start + i)))));
    for (let i = 0; i < 50; i++) assert.equal((await client.reply()).fields['39'], code);
  }
}

test('host simulator memory – journal entries and remembered reversals do not hold the padded messages they came from', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const sim = createHostSimulator({ journalSize: 5000, defaultBalance: 1_000_000_000 });
  const { port } = await startEndpoint(t, { sequence: sim });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const size = client.frame(padded(tx('0200', '000001', 100))).length;
  assert.ok(size > 30_000, `a padded message is ${size} bytes`);
  const stan = (i: number): string => String(i + 1).padStart(6, '0');
  // Warm up (code compiled, buffers grown) with messages the journal keeps too.
  await sendAll(client, (i) => padded(tx('0200', stan(i), 100, { 41: 'WARMUP01' })), '00');
  const measure = async (what: string, make: (i: number) => MessageInput, code: string): Promise<void> => {
    gc();
    const before = process.memoryUsage().heapUsed;
    await sendAll(client, make, code);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // What the books really keep is some hundreds of bytes an item; the messages were COUNT x 30 KB (24 MB).
    assert.ok(grown < COUNT * 5000, `${what}: the heap grew by ${Math.round(grown / 1024)} KiB over ${COUNT} padded messages of ${size} bytes`);
  };
  await measure('purchases', (i) => padded(tx('0200', stan(i), 100)), '00');
  // Reversals of transactions the journal does not hold (their original not come yet): answered 25 and remembered.
  await measure('early reversals', (i) => padded(tx('0400', stan(i), 100, { 41: 'TERM0002', 90: `0200${stan(i)}1121103000${'123456'.padStart(11, '0')}${'0'.repeat(11)}` })), '25');
  assert.equal(sim.balanceOf(VISA), 1_000_000_000 - 2 * COUNT * 100);
});
