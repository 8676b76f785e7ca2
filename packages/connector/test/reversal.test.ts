// Auto-reversal: an 0200 whose outcome is unknown is reversed (0400 + field 90), repeated (0401) until answered,
// and journaled before the original leaves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, REVERSAL_EXCLUDED_FIELDS, REVERSAL_FIELDS, createConnector, isReversible } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';
import { journalLines, watchReversals } from './helpers/reversals.js';

const journalDir = (t: AfterHook): string => tempDir(t, 'journal');

test('a timed-out 0200 is reversed with 0400 and field 90, repeated as 0401 until the host answers', async (t) => {
  const dir = journalDir(t);
  let reversals = 0;
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    const mti = r.message['0'];
    if (mti === '0400' || mti === '0401') {
      reversals += 1;
      if (reversals >= 2) p.send(r.socket, answer(r.message));
    }
  }, {
    requestTimeout: 100,
    reversal: { enabled: true, journalDir: dir, retryInterval: 100 },
  });
  const { events, reached: answered } = watchReversals(connector);
  await assert.rejects(connector.request(purchase('008001')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await answered;
  const mtis = peer.received.map((r) => r.message['0']);
  assert.deepEqual(mtis, ['0200', '0400', '0401']);
  const first = peer.received[1]?.message ?? {};
  // field 90: original MTI, STAN, transmission date and time, acquiring institution (11, zero-filled), forwarding (11)
  assert.equal(first['90'], '0200' + '008001' + '1121103000' + '00000123456' + '00000000000');
  assert.equal(first['2'], '4111111111111111');
  assert.equal(first['4'], '000000001000');
  assert.equal(first['11'], '008001');
  for (const f of REVERSAL_EXCLUDED_FIELDS) assert.equal(first[f], undefined, `field ${f} is not copied`);
  assert.deepEqual(events.map((e) => `${e.stage}:${e.mti}`), ['queued:0400', 'sent:0400', 'sent:0401', 'answered:0401']);
  assert.equal(events[3]?.responseCode, '00');
  assert.equal(connector.stats().reversalsPending, 0);
  assert.equal(connector.stats().amounts.reversal, 1000);
  const lines = journalLines(dir);
  // each attempt is journaled before it leaves
  assert.deepEqual(lines.map((l) => l.op), ['add', 'attempt', 'attempt', 'done']);
  assert.equal(lines[3]?.outcome, 'reversed');
  assert.doesNotMatch(readFileSync(join(dir, 'reversals.jsonl'), 'utf8'), /=29122010000000000000/);
});

test('a connection dropped after the write triggers the reversal (0420 when configured)', async (t) => {
  const dir = journalDir(t);
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] === '0200') r.socket.destroy();
    else p.send(r.socket, answer(r.message));
  }, {
    reconnect: { initialDelay: 5, maxDelay: 10 },
    reversal: { enabled: true, journalDir: dir, mti: '0420', retryInterval: 50 },
  });
  const answered = watchReversals(connector).reached;
  await assert.rejects(connector.request(purchase('008101')), { code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST' });
  const e = await answered;
  assert.equal(e.mti, '0420');
  assert.equal(e.stan, '008101');
  assert.equal(peer.received[1]?.message['0'], '0420');
});

test('an answered request and a request that never left are not reversed; their journal entries are closed', async (t) => {
  const dir = journalDir(t);
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    // compactInterval 0: its close does not compact the records read below away
    reversal: { enabled: true, journalDir: dir, journal: new FileJournal(dir, { compactInterval: 0 }), retryInterval: 20 },
  });
  await connector.request(purchase('008201'));
  await connector.connect();
  const slow = connector.request(purchase('008202'));
  await assert.rejects(connector.request(purchase('008202')), { code: 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY' });
  await slow;
  // 0800 is not reversible: no journal entry
  await connector.request({ '0': '0800', '7': '1121103000', '11': '008203', '70': '301' });
  await connector.close();
  assert.deepEqual(peer.received.map((r) => r.message['0']), ['0200', '0200', '0800']);
  const lines = journalLines(dir);
  // The duplicate is refused before its journal entry (its transaction is held by the first): never journaled.
  assert.equal(lines.filter((l) => l.op === 'add').length, 2);
  assert.equal(lines.filter((l) => l.op === 'done' && l.outcome === 'not-needed').length, 2);
});

test('on start, reversals left in the journal by an earlier run are sent, as repeats (0401)', async (t) => {
  const dir = journalDir(t);
  const earlier = new FileJournal(dir);
  assert.deepEqual(await earlier.open(), []);
  await earlier.add({ id: 'left-1', at: Date.now(), reversal: { '0': '0400', '4': '000000000500', '11': '008301', '41': 'TERM0001', '90': '0200008301112110300000000123456' + '00000000000' } });
  await earlier.add({ id: 'done-1', at: Date.now(), reversal: { '0': '0400', '11': '008302', '41': 'TERM0001' } });
  await earlier.done('done-1', 'reversed');
  await earlier.close();
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    reversal: { enabled: true, journalDir: dir, journal: new FileJournal(dir, { compactInterval: 0 }) },
  });
  const answered = watchReversals(connector).reached;
  await connector.connect();
  const e = await answered;
  assert.equal(e.id, 'left-1');
  assert.deepEqual(peer.received.map((r) => `${r.message['0']}/${r.message['11']}`), ['0401/008301'], 'read back at a start: a repeat (an earlier run may have sent it unrecorded)');
  await connector.close();
  // compacted on open: only the live entry was kept, then closed (compactInterval 0: not compacted at the close)
  const lines = journalLines(dir);
  assert.deepEqual(lines.map((l) => `${l.op}:${l.id}`), ['add:left-1', 'attempt:left-1', 'done:left-1']);
});

test('maxAttempts: a reversal never answered is abandoned after its last attempt', async (t) => {
  const dir = journalDir(t);
  const { peer, connector } = await peerAndConnector(t, () => undefined, {
    requestTimeout: 20,
    reversal: { enabled: true, journalDir: dir, retryInterval: 20, maxAttempts: 3 },
  });
  const abandoned = watchReversals(connector, 'abandoned').reached;
  await assert.rejects(connector.request(purchase('008401')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const e = await abandoned;
  assert.equal(e.attempt, 3);
  assert.deepEqual(peer.received.map((r) => r.message['0']), ['0200', '0400', '0401', '0401']);
  assert.equal(connector.stats().reversalsPending, 0);
});

test('the reversal and the journal carry an allow-list of fields: field 48 (CVV2 in some networks) is never stored by default', async (t) => {
  const dir = journalDir(t);
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] === '0200') r.socket.destroy();
    else p.send(r.socket, answer(r.message));
  }, {
    reconnect: { initialDelay: 5, maxDelay: 10 },
    reversal: { enabled: true, journalDir: dir, retryInterval: 50 },
  });
  const answered = watchReversals(connector).reached;
  await assert.rejects(connector.request({ ...purchase('008501'), '48': 'CVV2=123', '25': '00', '42': 'MERCHANT0000001' }), {
    code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST',
  });
  await answered;
  const reversal = peer.received[1]?.message ?? {};
  assert.deepEqual(Object.keys(reversal).sort((a, b) => Number(a) - Number(b)), ['0', '2', '3', '4', '7', '11', '32', '41', '42', '49', '90']);
  assert.doesNotMatch(readFileSync(join(dir, 'reversals.jsonl'), 'utf8'), /CVV2/);
  assert.deepEqual([...REVERSAL_FIELDS], ['2', '3', '4', '7', '11', '12', '13', '22', '32', '37', '41', '42', '49', '90', '95']);
});

test('reversal.fields chooses the fields a reversal carries; sensitive ones and numbers outside 2-128 are refused', async (t) => {
  const dir = journalDir(t);
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] === '0200') r.socket.destroy();
    else p.send(r.socket, answer(r.message));
  }, {
    reconnect: { initialDelay: 5, maxDelay: 10 },
    reversal: { enabled: true, journalDir: dir, retryInterval: 50, fields: ['2', '4', '11', '41', '48'] },
  });
  const answered = watchReversals(connector).reached;
  await assert.rejects(connector.request({ ...purchase('008601'), '48': 'NETWORKDATA' }), { code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST' });
  await answered;
  const reversal = peer.received[1]?.message ?? {};
  assert.deepEqual(Object.keys(reversal).sort((a, b) => Number(a) - Number(b)), ['0', '2', '4', '11', '41', '48', '90']);
  assert.equal(String(reversal['90']).slice(0, 10), '0200008601', 'field 90 still names the original');

  for (const [fields, named] of [
    [['2', '35'], /reversal\.fields \(must not name field 35/],
    [['55'], /field 55/],
    [['1'], /reversal\.fields/],
    [['129'], /reversal\.fields/],
    [['4', '4'], /reversal\.fields/],
    // Without the STAN or the terminal, a reversal is never matched to its answer and its transaction not held.
    [['2', '3', '4', '7', '12', '13', '22', '32', '37', '41', '42', '49'], /reversal\.fields \(must name field 11 \(STAN\)/],
    [['2', '4', '11'], /reversal\.fields \(must name field 41 \(terminal\)/],
  ] as const) {
    assert.throws(
      () => createConnector({ host: '127.0.0.1', port: 1, reversal: { enabled: true, journalDir: dir, fields: [...fields] } }),
      (err: Error & { code?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && named.test(err.message),
      fields.join(','),
    );
  }
});

test('isReversible: 0100 and 0200 and their repeats 0101 and 0201; not advices, responses or issuer-originated messages', () => {
  for (const mti of ['0100', '0101', '0200', '0201']) assert.equal(isReversible(mti), true, mti);
  for (const mti of ['0120', '0121', '0220', '0110', '0210', '0202', '0203', '0400', '0420', '0800', '2200', '020']) {
    assert.equal(isReversible(mti), false, mti);
  }
});

test('a repeat (0201) whose outcome is unknown is reversed, field 90 naming the transaction (0200); an advice (0220) is not', async (t) => {
  const dir = journalDir(t);
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    const mti = r.message['0'];
    if (mti === '0201' || mti === '0220') r.socket.destroy();
    else p.send(r.socket, answer(r.message));
  }, {
    reconnect: { initialDelay: 5, maxDelay: 10 },
    // compactInterval 0: its close does not compact the records read below away
    reversal: { enabled: true, journalDir: dir, journal: new FileJournal(dir, { compactInterval: 0 }), retryInterval: 50 },
  });
  const answered = watchReversals(connector).reached;
  await assert.rejects(connector.request({ ...purchase('008701'), '0': '0220' }), { code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST' });
  await assert.rejects(connector.request({ ...purchase('008702'), '0': '0201' }), { code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST' });
  const e = await answered;
  assert.equal(e.stan, '008702');
  await connector.close();
  assert.deepEqual(peer.received.map((r) => `${r.message['0']}/${r.message['11']}`), ['0220/008701', '0201/008702', '0400/008702']);
  assert.equal(String(peer.received[2]?.message['90']).slice(0, 10), '0200008702');
  const lines = journalLines(dir);
  assert.equal(lines.filter((l) => l.op === 'add').length, 1, 'the advice was never journaled');
});

test('a response whose outcome cannot be recorded fails with ISO8583_ERR_CONNECTOR_JOURNAL and is reversed (it stays journaled)', async (t) => {
  const dir = journalDir(t);
  const journal = new FileJournal(dir);
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  // The host answers the purchase only once the journal can no longer be written.
  const { peer, connector } = await peerAndConnector(t, (r, p) => void held.then(() => p.send(r.socket, answer(r.message))), { reversal: { enabled: true, journal, retryInterval: 60_000 } });
  await connector.connect();
  const outcome = connector.request(purchase('008801'));
  await peer.waitFor(1);
  await journal.close();
  release();
  await assert.rejects(outcome, { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(connector.stats().reversalsPending, 1, 'being reversed');
  const again = new FileJournal(dir);
  assert.deepEqual((await again.open()).map((e) => e.reversal['11']), ['008801'], 'a start after a crash would reverse it too');
  await again.close();
});
