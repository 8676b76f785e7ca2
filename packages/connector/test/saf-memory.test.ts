// The SAF queue keeps each reversal until its host answers, which may be hours while the host is down. A reversal is
// built from its original's decoded fields, and a decoded field of 13 characters or more (the PAN, field 42) is a cut
// of its message's text that keeps the whole message alive: a terminal padding its requests with private fields up to
// the frame size must not make each reversal queued hold its whole request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createCodec } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal, buildReversal } from '../src/index.js';
import type { Connector, SafEvent } from '../src/index.js';
import { purchase } from './peer.js';
import { ObjectStore } from './helpers/object-store.js';
import { connectorFor, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

/** Private and reserved fields of iso87ascii that are `ans ..999`: about 30 KB of padding a message. */
const PADDING_FIELDS = [46, 47, 48, 57, 58, 59, 60, 61, 62, 63, ...Array.from({ length: 23 }, (_, i) => 105 + i)];

/**
 * Reversals queued and measured: 400 (was 800: half the CPU, the same proof). Reversals that kept their requests grew
 * the heap by 14-15 MB (400 x 33 KB), that keep only their own values by 1.4-2.1 MB: {@link BOUND} lies between.
 */
const COUNT = 400;

/** Bytes of heap growth a reversal may take: under half of the 33 KB request it must not keep. */
const BOUND = 15_000;

const codec = createCodec('iso87ascii');

/** A purchase padded to about 30 KB, as the gateway has it from a terminal: decoded from its frame. */
function padded(stan: string): IsoMessage {
  const fields: IsoMessage = { ...purchase(stan), '42': 'MERCHANT0000001' };
  delete fields['35'];
  for (const field of PADDING_FIELDS) fields[field] = 'X'.repeat(999);
  return codec.unpack(codec.pack(fields));
}

const stan = (i: number): string => String(i + 1).padStart(6, '0');

/** A host that reads everything and answers nothing (no message kept). */
async function silentHost(t: AfterHook): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

/** Resolves once `count` SAF entries were queued (each held until its silent host answers). */
function queuedAll(connector: Connector, count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    const on = (e: SafEvent): void => {
      if (e.stage !== 'queued' || ++seen < count) return;
      connector.off('saf', on);
      resolve();
    };
    connector.on('saf', on);
  });
}

/** The heap's growth (after a full collection) while `round(offset)` queues COUNT reversals, after a warm-up round. */
async function growth(round: (offset: number) => Promise<void>): Promise<number> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await round(0);
  gc();
  const before = process.memoryUsage().heapUsed;
  await round(COUNT);
  gc();
  return process.memoryUsage().heapUsed - before;
}

const size = codec.pack(padded('000001')).length;

for (const store of ['the file journal', 'a store without addJson'] as const) {
  test(`SAF memory – reversals of timed-out padded requests queued while the host is silent do not hold their requests (${store})`, async (t) => {
    assert.ok(size > 30_000, `a padded message is ${size} bytes`);
    const dir = tempDir(t, 'saf-memory');
    const port = await silentHost(t);
    const journal = store === 'the file journal' ? { journalDir: dir } : { journal: new ObjectStore(new FileJournal(dir)) };
    const connector = connectorFor(t, {
      host: '127.0.0.1',
      port,
      // 3 s: the in-process silent host must have read a round's 13 MB before the requests time out (a request whose
      // frame is still unwritten at its timeout drops the connection as a host that does not read: CONNECTION_LOST). At
      // 1 s a starved process on a busy 2-core machine did not always (a fresh-clone run with other work at once).
      requestTimeout: 3000,
      maxInFlight: 2 * COUNT,
      reversal: { enabled: true, retryInterval: 3_600_000, ...journal },
    });
    const grown = await growth(async (offset) => {
      const queued = queuedAll(connector, COUNT);
      const requests = Array.from({ length: COUNT }, (_, i) => connector.request(padded(stan(offset + i))).then(
        () => assert.fail('the silent host answered'),
        (err: { code?: string }) => assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT'),
      ));
      await Promise.all(requests);
      await queued;
    });
    assert.equal(connector.stats().reversalsPending, 2 * COUNT);
    t.diagnostic(`${store}: heap grew by ${Math.round(grown / 1024)} KiB`);
    // What a queued reversal really holds is 3-5 KB with its journal's share; the requests were COUNT x 33 KB (13 MB).
    assert.ok(grown < COUNT * BOUND, `${store}: the heap grew by ${Math.round(grown / 1024)} KiB over ${COUNT} reversals of padded requests of ${size} bytes`);
  });
}

test('SAF memory – reversals stored with saf: true (a late approval\'s) do not hold the padded requests they were built from', async (t) => {
  const dir = tempDir(t, 'saf-memory');
  const port = await silentHost(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port, saf: { enabled: true, journalDir: dir, retryInterval: 3_600_000 } });
  const dialect = codec.dialect;
  const grown = await growth(async (offset) => {
    const queued = queuedAll(connector, COUNT);
    await Promise.all(Array.from({ length: COUNT }, (_, i) => connector.request(buildReversal(padded(stan(offset + i)), '0400', dialect), { saf: true })));
    await queued;
  });
  assert.equal(connector.stats().safDepth, 2 * COUNT);
  t.diagnostic(`saf: true: heap grew by ${Math.round(grown / 1024)} KiB`);
  assert.ok(grown < COUNT * BOUND, `the heap grew by ${Math.round(grown / 1024)} KiB over ${COUNT} stored reversals of padded requests of ${size} bytes`);
});
