// ISO 8583:1993 dialects in the connector: network management is 1804 with field 24 (801 sign-on, 802 sign-off,
// 831 echo) answered 1814 / 800; a host's 1804 is answered 1814; a 1200 whose outcome is unknown is reversed with
// 1420 (repeats 1421) and field 56 (original data elements) in place of 90.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect, responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { buildReversal, isReversible } from '../src/index.js';
import type { Connector, ConnectorOptions } from '../src/index.js';
import { answer } from './peer.js';
import type { Peer, PeerHandler } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';
import { watchReversals } from './helpers/reversals.js';

const DIALECT = 'iso93ascii';

function purchase93(stan: string): IsoMessage {
  return {
    '0': '1200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1130193000', '11': stan,
    '12': '261130193000', '32': '123456', '35': '4111111111111111=29122010000000000000', '41': 'TERM0001', '49': '840',
  };
}

/** A 1993 peer with `handler` and a connector to it in the 1993 dialect (`options` added), both closed after the test. */
function linked93(t: AfterHook, handler: PeerHandler, options: Omit<ConnectorOptions, 'host' | 'port'> = {}): Promise<{ peer: Peer; connector: Connector }> {
  return peerAndConnector(t, handler, { dialect: DIALECT, ...options }, { dialect: DIALECT });
}

/** The 1993 answer: the response MTI (the codec's rule: 1804 -> 1814), the request's fields, action code `code`. */
function answer93(request: IsoMessage, code: string): IsoMessage {
  return { ...answer(request, { '39': code }), '0': responseMti(String(request['0']))! };
}

test('1993: signOn sends 1804 / 801 before any request, accepts action code 800; signOff sends 1804 / 802', async (t) => {
  const { peer, connector } = await linked93(t, (r, p) => p.send(r.socket, answer93(r.message, r.message['0'] === '1804' ? '800' : '000')), {
    signOn: true,
    signOff: true,
  });
  const response = await connector.request({ ...purchase93('009001'), '35': undefined } as unknown as IsoMessage);
  assert.equal(response['0'], '1210');
  await connector.close();
  const seen = peer.received.map((r) => `${r.message['0']}/${r.message['24'] ?? ''}/${r.message['70'] ?? ''}`);
  assert.deepEqual(seen, ['1804/801/', '1200//', '1804/802/']);
});

test('1993: a sign-on answered with an action code other than 800 / 000 is refused with SIGN_ON naming 1814', async (t) => {
  const { connector } = await linked93(t, (r, p) => p.send(r.socket, answer93(r.message, '909')), {
    signOn: true, reconnect: { initialDelay: 1000, maxDelay: 1000 },
  });
  await assert.rejects(connector.connect(), { code: 'ISO8583_ERR_CONNECTOR_SIGN_ON', mti: '1814' });
});

test('1993: an idle connection sends the echo test 1804 / 831', async (t) => {
  const { peer, connector } = await linked93(t, (r, p) => p.send(r.socket, answer93(r.message, '800')), { echoInterval: 50 });
  await connector.connect();
  const [first] = await peer.waitFor(1);
  assert.equal(first?.message['0'], '1804');
  assert.equal(first?.message['24'], '831');
});

test('1993: a host-initiated 1804 is answered 1814 echoing its STAN and function code, action code 800', async (t) => {
  const { peer, connector } = await linked93(t, (r, p) => {
    if (r.message['0'] === '1200') {
      p.send(r.socket, { '0': '1804', '7': '1130193000', '11': '770001', '24': '831' });
      p.send(r.socket, answer93(r.message, '000'));
    }
  });
  const unsolicited: IsoMessage[] = [];
  connector.on('unsolicited', (m: IsoMessage) => unsolicited.push(m));
  await connector.request({ ...purchase93('009101'), '35': undefined } as unknown as IsoMessage);
  const all = await peer.waitFor(2);
  const reply = all.find((r) => r.message['0'] === '1814');
  assert.ok(reply, 'the host received a 1814');
  assert.equal(reply.message['11'], '770001');
  assert.equal(reply.message['24'], '831');
  assert.equal(reply.message['39'], '800');
  assert.deepEqual(unsolicited, [], 'the 1804 is network management, not unsolicited');
});

test('1993: a timed-out 1200 is reversed with 1420 and field 56 (not 90), repeated as 1421 until answered', async (t) => {
  const dir = tempDir(t, 'journal93');
  let reversals = 0;
  const { peer, connector } = await linked93(t, (r, p) => {
    const mti = r.message['0'];
    if (mti === '1420' || mti === '1421') {
      reversals += 1;
      if (reversals >= 2) p.send(r.socket, answer93(r.message, '400'));
    }
  }, {
    requestTimeout: 100,
    reversal: { enabled: true, journalDir: dir, retryInterval: 100, mti: '0420' },
  });
  const { events, reached: answered } = watchReversals(connector);
  await assert.rejects(connector.request(purchase93('009201')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await answered;
  assert.deepEqual(peer.received.map((r) => r.message['0']), ['1200', '1420', '1421']);
  const first = peer.received[1]?.message ?? {};
  assert.equal(first['56'], '1200' + '009201' + '261130193000' + '06123456');
  assert.equal(first['90'], undefined);
  assert.equal(first['24'], '400');
  assert.equal(first['25'], '4021');
  assert.equal(first['35'], undefined, 'no track data');
  assert.deepEqual(events.map((e) => `${e.stage}:${e.mti}`), ['queued:1420', 'sent:1420', 'sent:1421', 'answered:1421']);
  assert.equal(connector.stats().amounts.reversal, 1000, 'a 1420 counts as a reversal amount');
});

test('1993: isReversible takes 1100, 1200 and their repeats; buildReversal without acquirer or local time', () => {
  for (const mti of ['1100', '1101', '1200', '1201']) assert.ok(isReversible(mti), mti);
  for (const mti of ['1120', '1210', '1202', '2200']) assert.ok(!isReversible(mti), mti);
  const reversal = buildReversal({ '0': '1201', '4': '1000', '11': '12' }, '0400', getDialect(DIALECT));
  assert.equal(reversal['0'], '1400');
  assert.equal(reversal['56'], '1200' + '000012' + '000000000000', 'a repeat names the transaction (1200)');
  const r87 = buildReversal({ '0': '0200', '4': '1000', '11': '12' }, '0400', getDialect('iso87ascii'));
  assert.equal(r87['0'], '0400');
  assert.equal(r87['56'], undefined);
  assert.equal(r87['24'], undefined);
  assert.match(String(r87['90']), /^0200000012/);
});
