// A SAF attempt's answer is awaited its whole timeout, min(requestTimeout, retryInterval), from the write: the wait for
// a connection before it no longer eats into it. Before, right after the upstream came back each reversal was written
// late in its window, timed out moments later though the host answered in time, and was sent again (two 0401s per
// entry). Real sockets: a host whose connections are usable (sign-on answered) only once a gate opens, and that answers
// each reversal after a delay shorter than the attempt's timeout; a real file journal read back at a start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { safEvent } from './helpers/reversals.js';
import { connectorFor, peerAndConnector, peerFor, tempDir } from './helpers/setup.js';

const TIMEOUT = 3_000; // the attempt's timeout: retryInterval (below requestTimeout)
const HOST_DELAY = 1_500; // the host answers each reversal this long after it came in
const GATE_AFTER = 1_800; // the gate opens this long after the attempts started waiting for a connection

test('saf – reversals written late after a reconnect wait their whole timeout for the answer: one 0401 each', async (t) => {
  const dir = tempDir(t, 'saf-attempt-after-reconnect');
  // The first run: purchases the host never answers, their reversals journaled and left for the next start.
  const { connector: first } = await peerAndConnector(t, () => undefined, {
    reversal: { enabled: true, journal: new FileJournal(dir) },
    requestTimeout: 200,
    saf: { initialDelay: 600_000, retryInterval: 600_000 },
    transactionLog: false,
  });
  await first.connect();
  const stans = ['004401', '004402', '004403'];
  for (const stan of stans) await assert.rejects(first.request(purchase(stan)), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await within(first.destroy(), 10_000, 'the first connector to stop');

  // The host: sign-on held until the gate opens, each reversal answered HOST_DELAY after it came in.
  let open = false;
  const held: Received[] = [];
  const reversals: string[] = [];
  const peer = await peerFor(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti === '0800') {
      if (open) p.send(r.socket, answer(r.message));
      else held.push(r);
      return;
    }
    if (mti.startsWith('040')) reversals.push(`${mti}/${String(r.message['11'])}`);
    setTimeout(() => p.send(r.socket, answer(r.message)), HOST_DELAY);
  });
  const next = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    signOn: true,
    requestTimeout: 30_000,
    reversal: { enabled: true, journal: new FileJournal(dir) },
    saf: { initialDelay: 0, retryInterval: TIMEOUT },
    transactionLog: false,
  });
  const answered = new Set<string>();
  const all = new Promise<void>((resolve) =>
    next.on('saf', (e) => {
      if (e.stage !== 'answered') return;
      answered.add(String(e.stan));
      if (answered.size === stans.length) resolve();
    }),
  );
  const sent = safEvent(next, 'sent', undefined, 20_000);
  next.connect().catch(() => undefined);
  await next.started();
  await sent; // the attempts wait for the connection, whose sign-on the host holds
  await new Promise<void>((resolve) =>
    setTimeout(() => {
      open = true;
      for (const r of held.splice(0)) peer.send(r.socket, answer(r.message));
      resolve();
    }, GATE_AFTER),
  );
  await within(all, 30_000, 'every reversal answered');
  assert.deepEqual(reversals.sort(), stans.map((s) => `0401/${s}`), 'exactly one 0401 per entry');
});
