// A written request whose outcome is unknown is reversed whatever error ended the wait (a destroy with the caller's own
// coded error among them); while the reversal is under way a repeat of the original is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error } from '@iso8583/codec';
import type { MessageInput } from '@iso8583/codec';
import { FileJournal, createConnector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerFor, tempDir } from './helpers/setup.js';
import { journalLines, watchReversals } from './helpers/reversals.js';

test('destroy(err) with a coded error while a written 0200 is pending: the entry stays journaled and the next start sends the 0400', async (t) => {
  const dir = tempDir(t, 'journal');
  // The host reads the purchase and never answers it; it answers the reversal.
  const peer = await peerFor(t, (r, p) => {
    if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  });
  // The store closes only once the caller has its answer: whatever the request's failure writes to the journal is
  // written before the close (a store that takes its time to close, as a database pool does).
  let settled: () => void = () => undefined;
  const answeredCaller = new Promise<void>((resolve) => (settled = resolve));
  const journal = new (class extends FileJournal {
    override async close(): Promise<void> {
      await answeredCaller;
      await super.close();
    }
  })(dir);
  const first = createConnector({ host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journal, retryInterval: 50 } });
  t.after(() => first.destroy());
  await first.connect();
  const outcome = first.request(purchase('009001'));
  outcome.then(settled, settled);
  await peer.waitFor(1);
  const failed = assert.rejects(outcome, { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  await first.destroy(new Iso8583Error('ISO8583_ERR_CONNECTOR_JOURNAL', 'shutting down'));
  await failed;
  assert.deepEqual(journalLines(dir).map((l) => l.op), ['add'], 'the entry is neither done nor not-needed');

  const second = createConnector({ host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir, retryInterval: 50 } });
  t.after(() => second.destroy());
  const answered = watchReversals(second).reached;
  await second.connect();
  const e = await answered;
  assert.equal(e.stan, '009001');
  assert.deepEqual(peer.received.map((r) => `${r.message['0']}/${r.message['11']}`), ['0200/009001', '0401/009001'], 'read back at a start: a repeat');
  await second.close();
});

test('a repeat (0201) of an 0200 being reversed is refused with DUPLICATE_KEY and never sent; once the reversal ends it goes', async (t) => {
  const dir = tempDir(t, 'journal');
  let answerReversals: () => void = () => undefined;
  const reversalsAnswered = new Promise<void>((resolve) => (answerReversals = resolve));
  const peer = await peerFor(t, (r, p) => {
    const mti = r.message['0'];
    if (mti === '0400' || mti === '0401') void reversalsAnswered.then(() => p.send(r.socket, answer(r.message)));
    else if (mti !== '0200') p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 100, reversal: { enabled: true, journalDir: dir, retryInterval: 200 } });
  t.after(() => connector.destroy());
  const reversed = watchReversals(connector).reached;
  await assert.rejects(connector.request(purchase('009201')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await assert.rejects(connector.request({ ...purchase('009201'), '0': '0201' }), { code: 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', mti: '0201' });
  // another terminal's transaction with the same STAN is not held back
  assert.equal((await connector.request({ ...purchase('009201', 'TERM0002'), '0': '0201' }))['39'], '00');
  answerReversals();
  await reversed;
  assert.equal((await connector.request({ ...purchase('009201'), '0': '0201' }))['39'], '00');
  const sent = peer.received.map((r) => `${r.message['0']}/${r.message['41']}`).filter((s) => !s.startsWith('040'));
  assert.deepEqual(sent, ['0200/TERM0001', '0201/TERM0002', '0201/TERM0001']);
});

test('a plain 0200 reusing the STAN and terminal of an 0200 being reversed is refused with DUPLICATE_KEY and never sent; once the reversal ends it goes', async (t) => {
  const dir = tempDir(t, 'journal');
  let answerReversals: () => void = () => undefined;
  const reversalsAnswered = new Promise<void>((resolve) => (answerReversals = resolve));
  let purchases = 0;
  // The first purchase is never answered (reversed); the reversal is answered only when the test says so.
  const peer = await peerFor(t, (r, p) => {
    const mti = r.message['0'];
    if (mti === '0400' || mti === '0401') void reversalsAnswered.then(() => p.send(r.socket, answer(r.message)));
    else if (mti !== '0200' || ++purchases > 1) p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 100, reversal: { enabled: true, journalDir: dir, retryInterval: 200 } });
  t.after(() => connector.destroy());
  const reversed = watchReversals(connector).reached;
  await assert.rejects(connector.request(purchase('009211')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await assert.rejects(connector.request(purchase('009211')), { code: 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', mti: '0200', field: '11' });
  // an authorisation (0100) of the same STAN and terminal is the same transaction at the host: refused too
  await assert.rejects(connector.request({ ...purchase('009211'), '0': '0100' }), { code: 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', mti: '0100' });
  assert.equal(peer.received.filter((r) => r.message['0'] !== '0400' && r.message['0'] !== '0401').length, 1, 'only the first purchase left');
  answerReversals();
  await reversed;
  assert.equal((await connector.request(purchase('009211')))['39'], '00');
  const sent = peer.received.map((r) => `${r.message['0']}/${r.message['11']}`).filter((s) => !s.startsWith('040'));
  assert.deepEqual(sent, ['0200/009211', '0200/009211']);
});

test('a repeat is refused however its STAN and terminal are written: unpadded, a number, or the original so written', async (t) => {
  // The reversal keeps the original's fields as the wire has them (STAN zero-padded to 6, terminal space-padded to 8):
  // the repeat is recognised by those wire values, not by the characters the caller typed.
  const cases: { title: string; original: MessageInput; repeat: MessageInput }[] = [
    { title: "STAN '9202' (padded 009202)", original: purchase('009202'), repeat: { ...purchase('009202'), '11': '9202' } },
    { title: 'STAN 9203, a number', original: purchase('009203'), repeat: { ...purchase('009203'), '11': 9203 } },
    { title: "terminal 'T1' (padded 'T1      ')", original: purchase('009204', 'T1'), repeat: purchase('009204', 'T1') },
    { title: 'original STAN 9205, a number', original: { ...purchase('009205'), '11': 9205 }, repeat: purchase('009205') },
  ];
  const dir = tempDir(t, 'journal');
  // The host never answers a purchase nor a reversal: every reversal stays under way.
  const peer = await peerFor(t, (r, p) => {
    if (!/^0(20|40)/.test(String(r.message['0']))) p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 100, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } });
  t.after(() => connector.destroy());
  for (const c of cases) {
    await assert.rejects(connector.request(c.original), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' }, c.title);
    await assert.rejects(connector.request({ ...c.repeat, '0': '0201' }), { code: 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', mti: '0201' }, c.title);
  }
  assert.equal(peer.received.filter((r) => r.message['0'] === '0201').length, 0, 'no repeat left');
});

test('every reversal attempt is counted as a request (requests, byMti) and then as a response, timeout or error', async (t) => {
  const dir = tempDir(t, 'journal');
  let reversals = 0;
  // The purchase is never answered; the first reversal neither; the repeat is.
  const peer = await peerFor(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti.startsWith('040') && ++reversals >= 2) p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 100, reversal: { enabled: true, journalDir: dir, retryInterval: 100 } });
  t.after(() => connector.destroy());
  const answered = watchReversals(connector).reached;
  await assert.rejects(connector.request(purchase('009301')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await answered;
  const s = connector.stats();
  assert.deepEqual(s.byMti, { '0200': 1, '0400': 1, '0401': 1 });
  assert.equal(s.requests, 3);
  assert.equal(s.responses, 1);
  assert.equal(s.timeouts, 2);
  assert.equal(s.requests, s.responses + s.timeouts + s.errors, 'every request counted has one outcome');
});
