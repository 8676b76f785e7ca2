// A jPOS 1993 packager imported from XML (iso93ebcdic-custom: EBCDIC, a 9-byte header, field 56 n ..35, field 90 n 10)
// reverses a timed-out 1200 with a 1420 carrying 24, 25 and field 56, as the built-in 1993 dialects do: never with a
// 0400 whose 42-digit field 90 cannot pack (every attempt refused, the host never told). Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vectorPath } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { answer } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { watchReversals } from './helpers/reversals.js';

const PACKAGER = vectorPath('jpos/packagers/iso93ebcdic-custom.xml');

test('imported 1993 packager: a 1200 left unanswered is reversed with a 1420 carrying 24, 25 and field 56', async (t) => {
  const dir = tempDir(t, 'journal-xml93');
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      // Never answers the 1200; answers its reversal, approved (action code 400: reversal accepted).
      if (r.message['0'] !== '1200') p.send(r.socket, answer(r.message, { '39': '400' }));
    },
    { dialect: PACKAGER, requestTimeout: 300, reversal: { enabled: true, journalDir: dir, retryInterval: 100, mti: '0420' } },
    { dialect: PACKAGER },
  );
  const { events, reached } = watchReversals(connector);
  const purchase: IsoMessage = {
    '0': '1200', '2': '4111111111111111', '3': '000000', '4': '000000002500', '11': '000010', '12': '261205092320', '32': '123456', '41': 'TERM0001', '49': '840',
  };
  await assert.rejects(connector.request(purchase), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await reached;
  assert.deepEqual(peer.received.map((r) => r.message['0']), ['1200', '1420']);
  const reversal = peer.received[1]?.message ?? {};
  assert.equal(reversal['56'], '1200' + '000010' + '261205092320' + '06123456');
  assert.equal(reversal['24'], '400');
  assert.equal(reversal['25'], '4021');
  assert.equal(reversal['90'], undefined, 'no 1987 field 90');
  assert.deepEqual(events.map((e) => `${e.stage}:${e.mti}`), ['queued:1420', 'sent:1420', 'answered:1420']);
});
