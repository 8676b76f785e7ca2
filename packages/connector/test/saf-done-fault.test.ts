// A SAF entry whose `done` the file journal cannot write (a full disk) ends in memory at once: emitted, counted and
// recorded, logged once at error; its `done` is tried again every retryInterval, quietly, the entry never sent again
// meanwhile; a process that stops first leaves the entry open, and the next start sends it again as a repeat. Real
// sockets and files; the `done` writes fail (helpers/write-faults.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import { capturedLogger, connectorFor, peerAndConnector, peerFor, tempDir } from './helpers/setup.js';
import { advice, journalLines, safEvent } from './helpers/reversals.js';
import { writeFaults } from './helpers/write-faults.js';

const JOURNALED_NOW = 'the end of a SAF entry ended in memory is journaled now: the next start does not send it again';

test('an answered advice whose done fails once: the answered event, the count and the record come at once, the done is written again after; sent once', async (t) => {
  const dir = tempDir(t, 'saf-done-fault');
  const faults = await writeFaults(t, dir);
  const { logger, lines } = capturedLogger('info');
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    logger,
    reversal: { enabled: true, journalDir: dir },
    // Each attempt waits up to retryInterval for its answer: long enough for a loaded machine (one attempt only).
    saf: { retryInterval: 400 },
  });
  await connector.connect();
  faults.rules.push({ marker: '"outcome":"delivered"', fail: true });
  const events: string[] = [];
  let doneOnDisk: boolean | undefined;
  connector.on('saf', (e) => {
    events.push(e.stage);
    if (e.stage === 'answered') doneOnDisk = journalLines(dir).some((l) => l.op === 'done' && l.id === e.id && l.outcome === 'delivered');
  });
  const { id } = await connector.request(advice('000801'), { saf: true });
  await safEvent(connector, 'answered', id);
  assert.equal(doneOnDisk, false, 'the answer is not held back by its record');
  assert.deepEqual(events, ['queued', 'sent', 'answered']);
  await waitUntil(() => lines.some((l) => l.msg === JOURNALED_NOW), { timeoutMs: 10_000, what: 'the done to be written again' });
  assert.ok(journalLines(dir).some((l) => l.op === 'done' && l.id === id && l.outcome === 'delivered'));
  assert.equal(peer.received.filter((r) => r.message['0'] !== '0800').length, 1, 'sent once');
  assert.equal(connector.stats().safDelivered, 1);
  const failed = lines.filter((l) => l.code === 'ISO8583_ERR_CONNECTOR_JOURNAL' && l.outcome === 'delivered' && l.level === 50);
  assert.equal(failed.length, 1, 'the failed done is logged');
  assert.equal(failed[0]?.journal, 'failing');
  const records = (await connector.transactions?.log.query({})) ?? [];
  assert.deepEqual(records.map((r) => `${r.mti}/${r.outcome}`), ['0220/delivered']);
});

test('an abandoned advice whose done fails once: abandoned is emitted and counted at once, the done written again after', async (t) => {
  const dir = tempDir(t, 'saf-done-fault');
  const faults = await writeFaults(t, dir);
  const { logger, lines } = capturedLogger('info');
  const { connector } = await peerAndConnector(t, () => undefined, { logger, reversal: { enabled: true, journalDir: dir }, saf: { retryInterval: 50, maxAttempts: 1 } });
  await connector.connect();
  faults.rules.push({ marker: '"outcome":"abandoned"', fail: true });
  let doneOnDisk: boolean | undefined;
  let counted: number | undefined;
  connector.on('saf', (e) => {
    if (e.stage !== 'abandoned') return;
    doneOnDisk = journalLines(dir).some((l) => l.op === 'done' && l.id === e.id && l.outcome === 'abandoned');
    counted = connector.stats().safAbandoned;
  });
  const { id } = await connector.request(advice('000802'), { saf: true });
  await safEvent(connector, 'abandoned', id);
  assert.equal(doneOnDisk, false);
  assert.equal(counted, 1);
  assert.equal(faults.rules.length, 0, 'the failing done was tried');
  await waitUntil(() => lines.some((l) => l.msg === JOURNALED_NOW), { timeoutMs: 10_000, what: 'the done to be written again' });
  assert.ok(journalLines(dir).some((l) => l.op === 'done' && l.id === id && l.outcome === 'abandoned'));
});

test('an answered reversal whose done never gets written before the stop ends in memory (emitted, counted, logged once); the next start sends it again as a repeat (0401)', async (t) => {
  const dir = tempDir(t, 'saf-done-fault');
  const faults = await writeFaults(t, dir);
  const peer = await peerFor(t, (r, p) => {
    if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  });
  // Every `done` of a reversal fails until the test says otherwise; the second failure proves a retry.
  let failures = 0;
  let retried: () => void = () => undefined;
  const twice = new Promise<void>((resolve) => (retried = resolve));
  for (let i = 0; i < 1000; i++) {
    faults.rules.push({ marker: '"outcome":"reversed"', fail: true, started: () => ++failures === 2 && retried() });
  }
  // Each reversal attempt waits up to retryInterval for its answer (the purchase, 100 ms): one attempt on a loaded machine.
  const options = { host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir, retryInterval: 1000 } };
  const { logger, lines } = capturedLogger('info');
  const first = connectorFor(t, { ...options, logger });
  const stages: string[] = [];
  first.on('reversal', (e) => stages.push(e.stage));
  await assert.rejects(first.request(purchase('000803'), { timeout: 100 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await within(twice, 30_000, 'the done of the answered reversal failing twice');
  await within(first.close(), 30_000, 'the first connector to close');
  assert.deepEqual(stages, ['queued', 'sent', 'answered'], 'the answer ends it, in memory');
  assert.equal(first.stats().safDelivered, 1);
  const failed = lines.filter((l) => l.code === 'ISO8583_ERR_CONNECTOR_JOURNAL' && l.outcome === 'reversed');
  assert.equal(failed.length, 1, 'logged once, not at every retry');
  assert.match(String(failed[0]?.msg), /should the process stop first, the next start sends it again/);
  assert.equal(peer.received.filter((r) => String(r.message['0']).startsWith('040')).length, 1, 'not sent again while its done was retried');
  assert.equal(journalLines(dir).filter((l) => l.op === 'done' && l.outcome === 'reversed').length, 0);

  faults.rules.length = 0;
  const second = connectorFor(t, options);
  const answered = safEvent(second, 'answered');
  await second.connect();
  const e = await answered;
  assert.equal(e.mti, '0401');
  assert.deepEqual(peer.received.map((r) => `${r.message['0']}/${r.message['11']}`), ['0200/000803', '0400/000803', '0401/000803']);
  await second.close();
});
