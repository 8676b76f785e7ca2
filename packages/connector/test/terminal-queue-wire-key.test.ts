// The per-terminal queue keys a terminal by field 41 as it goes on the wire, not as the caller wrote it: under
// SmartVista's `n 8` field 41, `992468` (a number) and `"00992468"` are one terminal at the bank, and SocketQueue pads
// field 41 before it locks: the second waits for the first's answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { terminalKey } from '../src/terminal-queue.js';
import { answer } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** A SmartVista purchase of terminal `tid` (as the caller writes it: text or a number). */
function svPurchase(stan: string, tid: string | number): Record<string, string | number> {
  return {
    '0': '0200', '3': '000000', '4': '000000001000', '7': '0818160933', '11': stan, '12': '150820130600', '22': '056',
    '24': '200', '25': '00', '35': '4761739001010010=19082012232800000037', '41': tid, '42': '000124642124643', '49': '810',
  };
}

test('terminalKey pads field 41 as the dialect puts it on the wire', () => {
  const sv = getDialect('smartvista').fields['41'];
  assert.equal(terminalKey(sv, 992468), '00992468');
  assert.equal(terminalKey(sv, '00992468'), '00992468');
  const ascii = getDialect('iso87ascii').fields['41'];
  assert.equal(terminalKey(ascii, 'T1'), 'T1      ');
  assert.equal(terminalKey(undefined, 992468), '992468');
});

test('smartvista: 41 as 992468 and as "00992468" are one terminal: the second waits for the first\'s answer', async (t) => {
  const held: Received[] = [];
  const { peer, connector } = await peerAndConnector(t, (r) => {
    held.push(r);
  }, { dialect: 'smartvista', frame: 'ascii4', requestTimeout: 10_000, terminalQueue: { enabled: true } }, { dialect: 'smartvista', framing: { lengthHeader: 'ascii4' } });
  const first = connector.request(svPurchase('618164', 992468));
  const second = connector.request(svPurchase('618165', '00992468'));
  await waitUntil(() => held.length >= 1, { what: 'the first purchase at the host' });
  await waitUntil(() => connector.stats().pending === 1, { what: 'the second purchase waiting in its terminal\'s queue' });
  assert.equal(held.length, 1, 'one request of the terminal at the host');
  const a = held.shift() as Received;
  peer.send(a.socket, answer(a.message, { '39': '000' }));
  await first;
  await waitUntil(() => held.length >= 1, { what: 'the second purchase at the host' });
  const b = held.shift() as Received;
  assert.equal(b.message['11'], '618165');
  peer.send(b.socket, answer(b.message, { '39': '000' }));
  await second;
  assert.deepEqual(peer.received.map((r) => r.message['41']), ['00992468', '00992468']);
});
