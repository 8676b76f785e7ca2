// The PostgreSQL transaction log buffers its records while the database is away (up to `maxBuffered`, 50,000), each
// as its row of COPY text. A row made from a request's fields holds them, and a decoded field of 13 characters or more
// (field 42, the merchant) is a cut of its message's text that keeps the whole message alive: a terminal padding its
// requests up to the frame size must not make each buffered row hold its whole request (50,000 x 64 KB).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { createCodec } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { TransactionRecorder } from '../src/index.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { purchase } from './peer.js';

const pgs = new PgLogDatabases();
before(() => pgs.start());
after(() => pgs.destroy());

/** Private and reserved fields of iso87ascii that are `ans ..999`: about 30 KB of padding a message. */
const PADDING_FIELDS = [46, 47, 48, 57, 58, 59, 60, 61, 62, 63, ...Array.from({ length: 23 }, (_, i) => 105 + i)];

/** Records buffered and measured. */
const COUNT = 800;

const codec = createCodec('iso87ascii');

/** A purchase padded to about 30 KB, as the gateway has it from a terminal: decoded from its frame. */
function padded(stan: string): IsoMessage {
  const fields: IsoMessage = { ...purchase(stan), '37': '000000000001', '42': 'MERCHANT0000001' };
  delete fields['35'];
  for (const field of PADDING_FIELDS) fields[field] = 'X'.repeat(999);
  return codec.unpack(codec.pack(fields));
}

test('PostgreSQL transaction log memory – records buffered while the database is away do not hold the padded requests they came from', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const size = codec.pack(padded('000001')).length;
  assert.ok(size > 30_000, `a padded message is ${size} bytes`);
  await pgs.withLog('memory', { closeTimeout: 30_000 }, async ({ log, admin }) => {
    // Its connection ends with the server: not this test's concern.
    admin.on('error', () => undefined);
    const recorder = new TransactionRecorder(log, 'gw-1', 'bank', codec.dialect, pino({ level: 'silent' }));
    const answer: IsoMessage = { '0': '0210', '38': 'A1B2C3', '39': '00' };
    pgs.cluster.stopServer();
    try {
      const round = (offset: number): void => {
        for (let i = 0; i < COUNT; i++) recorder.settled(padded(String(offset + i + 1).padStart(6, '0')), answer, undefined, Date.now(), performance.now(), undefined);
      };
      round(0);
      gc();
      const before = process.memoryUsage().heapUsed;
      round(COUNT);
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      const stats = log.stats();
      assert.equal(stats.buffered + stats.inFlight, 2 * COUNT, 'every record waits for the database');
      t.diagnostic(`heap grew by ${Math.round(grown / 1024)} KiB`);
      // A buffered row is some hundreds of bytes; the requests were COUNT x 33 KB (26 MB).
      assert.ok(grown < COUNT * 10_000, `the heap grew by ${Math.round(grown / 1024)} KiB over ${COUNT} records of padded requests of ${size} bytes`);
    } finally {
      pgs.cluster.startServer();
    }
    // Stored once the database is back: nothing lost.
    await waitUntil(() => log.stats().stored === 2 * COUNT, { timeoutMs: 30_000, what: 'every record to be stored once the database is back' });
  });
});
