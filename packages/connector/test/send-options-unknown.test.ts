// A send option the connector does not know (`SAF`, `timout`, `signl`), or one of the wrong type (`saf: 'true'`), is
// refused before the request is accepted, naming the key (ISO8583_ERR_CONNECTOR_OPTIONS, `sent: 'no'`), as
// `createConnector` refuses its own options: it was ignored, so an advice meant for store and forward went online (with
// the host down: ISO8583_ERR_CONNECTOR_CONNECT_FAILED, not stored) and a misspelt `signal` lost the caller's abort. The
// HTTP routes refuse an unknown query parameter the same way (`?sfa=true` went online while `?saf=yes` was refused).
// Real sockets, a real SAF journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { IsoMessage } from '@iso8583/codec';
import { createUpstreamGroup, iso8583Connector } from '../src/index.js';
import type { Connector, SendOptions } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { connectorFor, downPort, peerAndConnector, peerFor, tempDir } from './helpers/setup.js';

function advice(stan: string): IsoMessage {
  return { '0': '0220', '3': '000000', '4': '000000002500', '7': '1206035000', '11': stan, '41': 'TERM0001', '49': '840' };
}

interface Refusal {
  code?: string;
  field?: string;
  sent?: string;
  message?: string;
  problems?: { field: string; code: string }[];
}

/** The refusal of `send`, which must fail ISO8583_ERR_CONNECTOR_OPTIONS naming `field`, never written. */
async function refused(send: () => Promise<unknown>, field: string): Promise<Refusal> {
  const err = await send().then(
    () => assert.fail(`refused naming ${field}`),
    (e: Refusal) => e,
  );
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', field);
  assert.equal(err.field, field);
  assert.equal(err.sent, 'no');
  assert.ok(err.problems?.some((p) => p.field === field && p.code === 'ISO8583_ERR_CONNECTOR_OPTIONS'), JSON.stringify(err.problems));
  assert.match(String(err.message), new RegExp(`\\b${field}\\b`));
  return err;
}

/** The STANs the host received, in order. */
function stans(peer: Peer): unknown[] {
  return peer.received.map((r) => r.message['11']);
}

const BAD: Array<[options: Record<string, unknown>, field: string]> = [
  [{ saf: 'true' }, 'saf'],
  [{ saf: 1 }, 'saf'],
  [{ SAF: true }, 'SAF'],
  [{ timout: 500 }, 'timout'],
  [{ signl: new AbortController().signal }, 'signl'],
  [{ header: 'AB' }, 'header'],
  [{ answeredBy: true }, 'answeredBy'],
  [{ routedTo: 'bank' }, 'routedTo'],
];

test('send options – with the host down and SAF on, a misspelt or mistyped saf is refused naming it, not sent online', async (t) => {
  const port = await downPort(t);
  const bank = connectorFor(t, { host: '127.0.0.1', port, connectTimeout: 500, reconnect: { initialDelay: 50, maxDelay: 100 }, saf: { enabled: true, journalDir: tempDir(t, 'send-opts') } });
  for (const [i, [options, field]] of BAD.entries()) {
    await refused(() => bank.request(advice(`30000${i}`), options as SendOptions), field);
    await refused(() => bank.sendMessage(JSON.stringify(advice(`30001${i}`)), options as SendOptions), field);
  }
  // Every problem at once, each named.
  const both = await refused(() => bank.request(advice('300100'), { SAF: true, timout: 5 } as SendOptions), 'SAF');
  assert.deepEqual(both.problems?.map((p) => p.field), ['SAF', 'timout']);
  // With saf, the options it does not use are still checked: a caller who set one must not go without it unseen.
  await refused(() => bank.request(advice('300101'), { saf: true, timeout: 0 } as SendOptions), 'timeout');
  await refused(() => bank.request(advice('300102'), { saf: true, signal: 'abort' } as unknown as SendOptions), 'signal');
  assert.equal(bank.stats().safDepth, 0, 'nothing was stored');
  // The right flag stores it; a key given as undefined counts as absent.
  const receipt = await bank.request(advice('300103'), { saf: true, timout: undefined } as SendOptions);
  assert.equal(receipt.saf, true);
  assert.equal(bank.stats().safDepth, 1);
});

test('send options – every documented key passes; unknown ones never reach the host, on a connector and a group', async (t) => {
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { transactionLog: false });
  await connector.connect();
  for (const [options, field] of BAD) await refused(() => connector.request(purchase('300200'), options as SendOptions), field);
  let by: Connector | undefined;
  const all: SendOptions = {
    timeout: 5000,
    deadline: performance.now() + 10_000,
    signal: new AbortController().signal,
    header: new Uint8Array(0),
    answeredBy: (upstream) => void (by = upstream),
    routedTo: () => undefined,
    saf: false,
  };
  assert.equal((await connector.request(purchase('300201'), all))['39'], '00');
  assert.equal(by, connector);
  // A refused request sent would be on the one connection before this answered one: the host got only this.
  assert.deepEqual(stans(peer), ['300201'], 'no refused request reached the host');

  const other = await peerFor(t);
  const group = createUpstreamGroup({ upstreams: [{ name: 'a', host: '127.0.0.1', port: other.port }] });
  t.after(() => group.destroy());
  await refused(() => group.request(purchase('300202'), { timout: 500 } as SendOptions), 'timout');
  await refused(() => group.sendMessage(JSON.stringify(purchase('300203')), { saf: 'yes' } as unknown as SendOptions), 'saf');
  assert.equal((await group.request(purchase('300204'), { timeout: 5000 }))['39'], '00');
  assert.deepEqual(stans(other), ['300204'], 'the group sent nothing refused');
});

test('routes – a query parameter that is neither saf nor timeout is refused 400 naming it, nothing sent or stored', async (t) => {
  const peer = await peerFor(t);
  const app = Fastify();
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: peer.port, routes: { prefix: '' }, saf: { enabled: true, journalDir: tempDir(t, 'send-opts-http') } });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const bank = app.iso8583.bank as Connector;
  const post = (path: string, body: string, type = 'application/json'): Promise<Response> => fetch(`${address}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
  const cases: Array<[path: string, body: string, type: string, field: string]> = [
    ['/?sfa=true', JSON.stringify(advice('300300')), 'application/json', 'sfa'],
    ['/?saf=true&timout=500', JSON.stringify(advice('300301')), 'application/json', 'timout'],
    ['/raw?SAF=1', JSON.stringify({ hex: bank.codec.pack(advice('300305')).toString('hex') }), 'application/json', 'SAF'],
    ['/?sfa=true', '<isomsg><field id="0" value="0220"/><field id="11" value="300302"/></isomsg>', 'application/xml', 'sfa'],
  ];
  for (const [path, body, type, field] of cases) {
    const res = await post(path, body, type);
    assert.equal(res.status, 400, path);
    const text = await res.text();
    assert.match(text, /ISO8583_ERR_CONNECTOR_OPTIONS/, path);
    assert.match(text, new RegExp(`${field}: is not a query parameter of this route \\(saf, timeout\\)`), path);
  }
  // A card number written as a parameter's name is refused the same way, never said in the answer.
  // The last: past the 64 characters shown, masked before it is cut (a cut card number is too short for the mask).
  for (const key of ['4111111111111111', '4111+1111+1111+1111', `${'x'.repeat(55)}4111111111111111`]) {
    const res = await post(`/?${key}=1`, JSON.stringify(purchase('300306')));
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.match(text, /is not a query parameter of this route/);
    assert.doesNotMatch(text, /4111.?1111.?1111.?1111|1111.?1111|41111111/, 'the card number masked');
  }
  assert.equal(bank.stats().safDepth, 0, 'nothing was stored');
  // The known ones still work.
  const stored = await post('/?saf=true&timeout=5000', JSON.stringify(advice('300303')));
  assert.equal(stored.status, 202);
  const online = await post('/?timeout=5000', JSON.stringify(purchase('300304')));
  assert.equal(online.status, 200);
  // A refused request sent online would be on the one connection before the answered one, and one stored would be
  // forwarded before the stored advice: once both reached the host, it got nothing else.
  await peer.waitFor(2);
  assert.deepEqual(stans(peer).sort(), ['300303', '300304'], 'nothing refused reached the host');
});
