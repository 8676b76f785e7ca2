// Responses are matched to requests by key (response MTI + STAN + terminal), never by order or by read boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Connector, ConnectorOptions } from '../src/index.js';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Peer, PeerHandler, Received } from './peer.js';
import { connectorFor, peerAndConnector } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

/** A peer with `handler` and a connector to it (request timeout 2 s, `extra` added), both closed after the test. */
function linked(t: AfterHook, handler: PeerHandler, extra: Omit<ConnectorOptions, 'host' | 'port'> = {}): Promise<{ peer: Peer; connector: Connector }> {
  return peerAndConnector(t, handler, { requestTimeout: 2000, ...extra });
}

test('responses answered in reverse order reach their own requests', async (t) => {
  const held: Received[] = [];
  const { connector } = await linked(t, (r, p) => {
    held.push(r);
    if (held.length === 5) for (const h of held.reverse()) p.send(h.socket, answer(h.message, { '38': 'A' + (h.message['11'] as string).slice(-5) }));
  });
  const stans = ['000101', '000102', '000103', '000104', '000105'];
  const responses = await Promise.all(stans.map((s) => connector.request(purchase(s))));
  responses.forEach((response, i) => {
    assert.equal(response['0'], '0210');
    assert.equal(response['11'], stans[i]);
    assert.equal(response['38'], 'A' + (stans[i] as string).slice(-5));
  });
  assert.equal(connector.stats().inFlight, 0);
  assert.equal(connector.stats().responses, 5);
});

test('frames split into single bytes and frames coalesced into one write are both cut correctly', async (t) => {
  let batch: Received[] = [];
  const { connector } = await linked(t, (r, p) => {
    batch.push(r);
    if (batch.length < 3) return;
    const bytes = Buffer.concat(batch.map((b) => p.frame(answer(b.message))));
    batch = [];
    const socket = r.socket;
    if (r.message['11'] === '000203') {
      // all three responses in one write
      socket.write(bytes);
    } else {
      // one byte per write, each in its own tick
      let i = 0;
      const drip = (): void => {
        if (i < bytes.length) {
          socket.write(bytes.subarray(i, i + 1));
          i += 1;
          setImmediate(drip);
        }
      };
      drip();
    }
  });
  const coalesced = await Promise.all(['000201', '000202', '000203'].map((s) => connector.request(purchase(s))));
  assert.deepEqual(coalesced.map((m) => m['11']), ['000201', '000202', '000203']);
  const dripped = await Promise.all(['000301', '000302', '000304'].map((s) => connector.request(purchase(s))));
  assert.deepEqual(dripped.map((m) => m['11']), ['000301', '000302', '000304']);
});

test('a second request with a key already in flight is refused, the first still completes', async (t) => {
  const { connector } = await linked(t, (r, p) => setTimeout(() => p.send(r.socket, answer(r.message)), 50));
  await connector.connect();
  const first = connector.request(purchase('000401'));
  await assert.rejects(connector.request(purchase('000401')), { code: 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', field: 'matchKey' });
  assert.equal((await first)['11'], '000401');
  // Same STAN, other terminal: a different key, accepted.
  const other = await connector.request(purchase('000401', 'TERM0002'));
  assert.equal(other['41'], 'TERM0002');
});

test('a response that matches nothing is reported (unsolicited event), never handed to onUnsolicited', async (t) => {
  const handled: IsoMessage[] = [];
  const events: IsoMessage[] = [];
  const { peer, connector } = await linked(
    t,
    (r, p) => {
      p.send(r.socket, { '0': '0210', '11': '999999', '39': '00', '41': 'TERMXXXX' });
      // a duplicate answer: the second matches nothing
      p.send(r.socket, answer(r.message));
      p.send(r.socket, answer(r.message));
      // a host-initiated request after them, on the same connection: what the handler sees
      p.send(r.socket, { '0': '0600', '11': '999998', '41': 'TERM0001' });
    },
    { onUnsolicited: (m: IsoMessage) => (handled.push(m), { ...m, '0': String(m['0']).slice(0, 2) + '10', '39': '00' }) },
  );
  const seen = new Promise<void>((resolve) =>
    connector.on('unsolicited', (m: IsoMessage) => {
      events.push(m);
      if (m['0'] === '0600') resolve();
    }),
  );
  const response = await connector.request(purchase('000501'));
  assert.equal(response['11'], '000501');
  await seen;
  const replies = await peer.waitFor(2);
  assert.deepEqual(events.map((m) => `${m['0']}/${m['11']}`), ['0210/999999', '0210/000501', '0600/999998']);
  assert.deepEqual(handled.map((m) => m['0']), ['0600'], 'only the host-initiated request reached the handler');
  assert.deepEqual(replies.map((r) => r.message['0']), ['0200', '0610'], 'nothing was written back for a response');
});

test('a host-initiated 0800 is answered with 0810 echoing its STAN and 70, response code 00, field 7 its own', async (t) => {
  let sent = false;
  const { peer, connector } = await linked(t, (r, p) => {
    if (r.message['0'] === '0200') {
      if (!sent) {
        sent = true;
        p.send(r.socket, { '0': '0800', '7': '1121103000', '11': '770001', '70': '301' });
      }
      p.send(r.socket, answer(r.message));
    }
  });
  await connector.request(purchase('000601'));
  const all = await peer.waitFor(2);
  const reply = all.find((r) => r.message['0'] === '0810');
  assert.ok(reply, 'the host received an 0810');
  assert.equal(reply.message['11'], '770001');
  assert.equal(reply.message['39'], '00');
  assert.equal(reply.message['70'], '301');
  // Field 7 is the answer's own transmission time (every message carries its own); nothing is added (no 37).
  assert.match(String(reply.message['7']), /^\d{10}$/);
  assert.notEqual(reply.message['7'], '1121103000');
  assert.equal(reply.message['37'], undefined);
});

test('a response arriving after its timeout is reported as late, not lost, and not given to another request', async (t) => {
  // The host answers 000701 only when 000702 comes, just before 000702's own answer, on the same connection.
  const { connector } = await linked(t, (r, p) => {
    if (r.message['11'] !== '000702') return;
    p.send(r.socket, answer({ ...r.message, '11': '000701' }));
    p.send(r.socket, answer(r.message));
  });
  const late = new Promise<IsoMessage>((resolve) => connector.once('late-response', resolve));
  await assert.rejects(connector.request(purchase('000701'), { timeout: 30 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT', mti: '0200' });
  const other = await connector.request(purchase('000702'));
  assert.equal(other['11'], '000702', 'the other request got its own answer');
  const message = await late;
  assert.equal(message['11'], '000701');
  assert.equal(connector.stats().timeouts, 1);
  assert.equal(connector.stats().responses, 1);
  assert.equal(connector.stats().inFlight, 0);
});

test('an undecodable message from the host is dropped; the connection and other requests go on', async (t) => {
  const { connector } = await linked(t, (r, p) => {
    if (r.message['11'] === '000801') {
      r.socket.write(Buffer.from([0, 4, 0x41, 0x42, 0x43, 0x44])); // a frame of 4 bytes that is no message
      return;
    }
    p.send(r.socket, answer(r.message));
  });
  await assert.rejects(connector.request(purchase('000801'), { timeout: 100 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const ok = await connector.request(purchase('000802'));
  assert.equal(ok['39'], '00');
  assert.equal(connector.stats().connected, 1);
  assert.equal(connector.stats().reconnects, 0);
});

test('a host-initiated request other than 0800 goes to onUnsolicited, whose reply is sent back on the connection', async (t) => {
  const { peer, connector } = await linked(t, (r, p) => {
    if (r.message['0'] === '0200') {
      p.send(r.socket, { '0': '0600', '11': '880001', '41': 'TERM0001', '70': '999' });
      p.send(r.socket, answer(r.message));
    }
  }, {
    onUnsolicited: (m: IsoMessage) => (m['0'] === '0600' ? { ...m, '0': '0610', '39': '00' } : undefined),
  });
  await connector.request(purchase('000901'));
  const all = await peer.waitFor(2);
  const reply = all.find((r) => r.message['0'] === '0610');
  assert.ok(reply, 'the reply reached the host');
  assert.equal(reply.message['11'], '880001');
});

test('the error event reports an undecodable message from the host (only when listened to)', async (t) => {
  const { connector } = await linked(t, (r, p) => {
    r.socket.write(Buffer.from([0, 3, 0x58, 0x59, 0x5a]));
    p.send(r.socket, answer(r.message));
  });
  const errors: { code: string }[] = [];
  connector.on('error', (e: { code: string }) => errors.push(e));
  await connector.request(purchase('000902'));
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]?.code), /^ISO8583_ERR_/);
});

test('an onUnsolicited that throws is reported as ISO8583_ERR_CONNECTOR_UNSOLICITED with its cause; the link goes on', async (t) => {
  const boom = new Error('handler bug');
  const { connector } = await linked(
    t,
    (r, p) => {
      if (r.message['0'] === '0200') {
        p.send(r.socket, { '0': '0600', '11': '880002', '41': 'TERM0001', '70': '999' });
        p.send(r.socket, answer(r.message));
      }
    },
    {
      onUnsolicited: () => {
        throw boom;
      },
    },
  );
  const reported = once(connector, 'error');
  assert.equal((await connector.request(purchase('000903')))['39'], '00');
  const [err] = await reported;
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_UNSOLICITED');
  assert.equal(err.cause, boom);
  assert.equal((await connector.request(purchase('000904')))['39'], '00');
});

test('events are typed: the listener knows its arguments, a misspelt event does not compile', (t) => {
  // Never connected: port 9 is only written down.
  const connector = connectorFor(t, { host: '127.0.0.1', port: 9 });
  connector.on('reversal', (event) => assert.ok(event.stage.length > 0));
  connector.on('disconnect', (info) => assert.ok(info.channel > 0));
  // @ts-expect-error: there is no such event
  connector.on('reversed', () => undefined);
  assert.equal(connector.listenerCount('reversal'), 1);
});

test('an answer naming the repeat (0411 to a 0401, as some hosts send) matches its request as 0410 would', async (t) => {
  const { connector } = await linked(t, (r, p) => {
    p.send(r.socket, { ...answer(r.message), '0': String(r.message['0']) === '0401' ? '0411' : '0410' });
  });
  const reversal = { ...purchase('000901'), '0': '0401' };
  const response = await connector.request(reversal);
  assert.equal(response['0'], '0411');
  assert.equal(response['11'], '000901');
  assert.equal(connector.stats().inFlight, 0);
});
