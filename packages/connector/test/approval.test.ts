// Approval is the dialect's (approvalCodes): a SmartVista host approves with 000 in a 3-digit field 39. Sign-on, the
// automatic 0810, the secured amount and SocketQueue's figures all ask the dialect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

const SV = { dialect: 'smartvista' };

test('smartvista: a sign-on answered 000 succeeds (a 2-character 00 is not what the host sends)', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message, { '39': '000' })), SV);
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, signOn: true, dialect: 'smartvista' });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.connect();
  const response = await connector.request({ ...purchase('008001', '00000001'), '12': '160607173800' });
  assert.equal(response['39'], '000');
  assert.deepEqual(peer.received.map((r) => r.message['0']), ['0800', '0200']);
});

test('smartvista: a sign-on answered with anything else (005) is refused', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message, { '39': '005' })), SV);
  const connector = createConnector({
    host: '127.0.0.1', port: peer.port, signOn: true, dialect: 'smartvista', reconnect: { initialDelay: 1000, maxDelay: 1000 },
  });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await assert.rejects(connector.connect(), { code: 'ISO8583_ERR_CONNECTOR_SIGN_ON' });
});

test('smartvista: secured and refund amounts and SocketQueue\'s figures count 000 as approved, 116 as a fault', async (t) => {
  const peer = await startPeer((r, p) => {
    const declined = r.message['11'] === '008103';
    p.send(r.socket, answer(r.message, { '39': declined ? '116' : '000' }));
  }, SV);
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, dialect: 'smartvista' });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.request(purchase('008101', '00000001', '000000001000'));
  await connector.request({ ...purchase('008102', '00000001', '000000000250'), '3': '200000' });
  await connector.request(purchase('008103', '00000001', '000000000999'));
  await connector.request({ ...purchase('008104', '00000001', '000000000400'), '0': '0400' });
  const s = connector.stats();
  assert.deepEqual(s.amounts, { processed: 2249, secured: 1250, refund: 250, reversal: 400 });
  assert.deepEqual(s.socketQueue, {
    securedAmount: 10 - 2.5 - 4,
    processedAmount: 22.49,
    refundAmount: 2.5,
    reversalAmount: 4,
    faultStat: { '116': 1 },
    packetCount: { total: 8, '0200': 3, '0210': 3, '0400': 1, '0410': 1 },
  });
});

test('iso87ascii: 00 stays the approval; a decline is a fault keyed by its number', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message, r.message['11'] === '008202' ? { '39': '05' } : {})));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.request(purchase('008201', 'TERM0001', '000000000100'));
  await connector.request(purchase('008202', 'TERM0001', '000000000200'));
  assert.equal(connector.stats().amounts.secured, 100);
  assert.deepEqual(connector.stats().socketQueue.faultStat, { '5': 1 }); // 05 read as a number, as SocketQueue keys it
});

test('a host-initiated 0800 is answered 0810 with the dialect\'s approval code, not a padded 00', async (t) => {
  // Field 39 as text of 3 (an 3): a 00 would travel as "00 ", the dialect's approval code as "000".
  const dir = mkdtempSync(join(tmpdir(), 'approval-'));
  const file = join(dir, 'an3.json');
  writeFileSync(file, JSON.stringify({ name: 'an3', extends: 'iso87ascii', approvalCodes: ['000'], fields: { '39': { length: 3 } } }));
  let answered: (m: Record<string, unknown>) => void = () => undefined;
  const reply = new Promise<Record<string, unknown>>((resolve) => (answered = resolve));
  const peer = await startPeer((r, p) => {
    if (r.message['0'] === '0810') answered(r.message);
    else p.send(r.socket, answer(r.message, { '39': '000' }));
  }, { dialect: file });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, dialect: file });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await connector.request(purchase('008301'));
  const socket = peer.received[0]!.socket;
  peer.send(socket, { '0': '0800', '7': '0607161700', '11': '123456', '41': 'TERM0001', '70': '301' });
  const m = await reply;
  assert.equal(m['39'], '000');
  assert.equal(m['11'], '123456');
});
