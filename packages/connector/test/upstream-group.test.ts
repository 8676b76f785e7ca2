// An upstream group over real peers: failover, recovery, round robin, routing rules, reversals to the original's
// upstream, exactly one outcome per request when a link dies mid-load, metrics per upstream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, resolveDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { createUpstreamGroup } from '../src/index.js';
import type { RouteRule } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer } from './peer.js';
import { answering, downPort, groupEvent, startGroup, upstream } from './helpers/setup.js';

const served = (peer: Peer): number => peer.received.filter((r) => r.message['0'] !== '0800').length;

test('failover: requests go to the first healthy upstream, move to the backup at once when it dies, and come back', async (t) => {
  // The primary comes back on its port: reserved, or the system could hand it out while the primary is down.
  const port = await downPort(t);
  let a = await startPeer((r, p) => p.send(r.socket, answer(r.message)), { port });
  const b = await answering();
  const group = await startGroup(t, { upstreams: [upstream('primary', a), upstream('backup', b)] }, () => [a, b]);
  for (let i = 0; i < 4; i++) assert.equal((await group.request(purchase(`00010${i}`)))['39'], '00');
  assert.equal(served(a), 4);
  assert.equal(served(b), 0);
  const down = groupEvent(group, 'down', 'primary');
  await a.close();
  await down;
  assert.deepEqual(group.healthy(), ['backup']);
  for (let i = 0; i < 4; i++) assert.equal((await group.request(purchase(`00020${i}`)))['39'], '00');
  assert.equal(served(b), 4);
  const up = groupEvent(group, 'up', 'primary');
  a = await startPeer((r, p) => p.send(r.socket, answer(r.message)), { port });
  await up;
  assert.equal((await group.request(purchase('000300')))['39'], '00');
  assert.equal(served(a), 1);
  assert.equal(group.stats()['primary']?.downs, 1);
  assert.equal(group.stats()['primary']?.state, 'up');
});

test('a link dying mid-load: every request gets exactly one outcome, the lost ones fail on that link, the rest go to the backup', async (t) => {
  let seen = 0;
  const a = await startPeer((r, p) => {
    if (r.message['0'] === '0800') return p.send(r.socket, answer(r.message));
    seen += 1;
    // The 20th request is never answered: the host dies with it (and what is in flight) unanswered.
    if (seen === 20) {
      for (const s of p.sockets) s.destroy();
      return;
    }
    if (seen < 20) p.send(r.socket, answer(r.message));
  });
  const b = await answering();
  const group = await startGroup(t, {
    upstreams: [
      { ...upstream('primary', a), reconnect: { initialDelay: 60_000, maxDelay: 60_000 } },
      upstream('backup', b),
    ],
  }, () => [a, b]);
  const total = 200;
  let settled = 0;
  const outcomes: Promise<string>[] = [];
  for (let i = 0; i < total; i++) {
    const stan = String(100000 + i);
    outcomes.push(
      group.request(purchase(stan)).then(
        (r) => {
          settled += 1;
          return `answered ${String(r['39'])}`;
        },
        (err: { code: string }) => {
          settled += 1;
          return err.code;
        },
      ),
    );
    // Half before the primary dies, half after it is out of the group.
    if (i === 99) {
      await Promise.all(outcomes);
      if (group.healthy().includes('primary')) await groupEvent(group, 'down', 'primary');
    }
  }
  const results = await Promise.all(outcomes);
  assert.equal(settled, total);
  const answered = results.filter((r) => r === 'answered 00').length;
  const lost = results.filter((r) => r === 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST').length;
  assert.equal(answered + lost, total, `unexpected outcomes: ${results.filter((r) => r !== 'answered 00' && r !== 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST').join(', ')}`);
  assert.ok(lost >= 1, 'the request the primary died with failed');
  // Everything sent after the primary went down went to the backup and was answered; of the first hundred (all
  // written to the primary), those the primary's answers did not reach before it died failed on it.
  assert.equal(served(b), 100);
  assert.ok(results.slice(100).every((r) => r === 'answered 00'));
  assert.ok(results.slice(0, 100).filter((r) => r === 'answered 00').length <= 19);
  assert.equal(group.stats()['primary']?.state, 'down');
});

test('round robin spreads the requests over the healthy upstreams', async (t) => {
  const peers = [await answering(), await answering(), await answering()];
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: peers.map((p, i) => upstream(`u${i}`, p)) }, () => peers);
  await Promise.all(Array.from({ length: 30 }, (_, i) => group.request(purchase(String(200000 + i)))));
  assert.deepEqual(peers.map(served), [10, 10, 10]);
  const down = groupEvent(group, 'down', 'u1');
  await peers[1]?.close();
  await down;
  await Promise.all(Array.from({ length: 10 }, (_, i) => group.request(purchase(String(300000 + i)))));
  assert.deepEqual(peers.map(served), [15, 10, 15]);
});

test('routing by PAN prefix: the longest prefix wins; a route to an upstream that is down is refused, never sent elsewhere', async (t) => {
  const visa = await answering();
  const visaGold = await answering();
  const mc = await answering();
  const group = await startGroup(t, {
    upstreams: [upstream('visa', visa), upstream('visa-gold', visaGold), upstream('mc', mc)],
    routes: [
      { pan: '4', upstream: 'visa' },
      { pan: '411111', upstream: 'visa-gold' },
      { pan: '5', upstream: 'mc' },
    ],
  }, () => [visa, visaGold, mc]);
  const card = (stan: string, pan: string): IsoMessage => ({ ...purchase(stan), '2': pan, '35': `${pan}=29122010000000000000` });
  await group.request(card('400001', '4111111111111111'));
  await group.request(card('400002', '4012888888881881'));
  await group.request(card('400003', '5555555555554444'));
  assert.deepEqual([visa, visaGold, mc].map(served), [1, 1, 1]);
  const down = groupEvent(group, 'down', 'mc');
  await mc.close();
  await down;
  await assert.rejects(group.request(card('400004', '5555555555554444')), (err: Error & { code: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN');
    assert.match(err.message, /mc/);
    assert.doesNotMatch(err.message, /5555555555554444/);
    return true;
  });
  assert.deepEqual([visa, visaGold].map(served), [1, 1]);
  assert.equal(group.stats()['mc']?.unavailable, 1);
});

test('routing by message class, processing code, fields 32 and 100, with a default route', async (t) => {
  const peers = [await answering(), await answering(), await answering(), await answering(), await answering()];
  const names = ['auth', 'cash', 'acq', 'rcv', 'default'];
  const group = await startGroup(t, {
    upstreams: peers.map((p, i) => upstream(names[i] as string, p)),
    routes: [
      { mtiClass: '1', upstream: 'auth' },
      { processingCode: '01', upstream: 'cash' },
      { acquirer: '999999', upstream: 'acq' },
      { receiver: '777777', upstream: 'rcv' },
      { upstream: 'default' },
    ],
  }, () => peers);
  await group.request({ ...purchase('500001'), '0': '0100' });
  await group.request({ ...purchase('500002'), '3': '010000' });
  await group.request({ ...purchase('500003'), '32': '999999' });
  await group.request({ ...purchase('500004'), '100': '777777' });
  await group.request(purchase('500005'));
  assert.deepEqual(peers.map(served), [1, 1, 1, 1, 1]);
  // An MTI given as a number is its wire value: 100 is 0100, class 1.
  await group.request({ ...purchase('500006'), '0': 100 });
  assert.deepEqual(peers.map(served), [2, 1, 1, 1, 1]);
});

test('a reversal goes to the upstream that had its original, whatever the strategy picks next', async (t) => {
  const a = await answering();
  const b = await answering();
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [upstream('a', a), upstream('b', b)] }, () => [a, b]);
  await group.request(purchase('600001')); // to a
  await group.request(purchase('600002')); // to b
  // Its own STAN, the original's in field 90 (original MTI + STAN + ...).
  await group.request({ ...purchase('600003'), '0': '0400', '90': '020060000111211030000000012345600000000000' });
  await group.request({ ...purchase('600002'), '0': '0400' });
  const reversals = (p: Peer): string[] => p.received.filter((r) => r.message['0'] === '0400').map((r) => String(r.message['11']));
  assert.deepEqual(reversals(a), ['600003']);
  assert.deepEqual(reversals(b), ['600002']);
});

test('a reversal or advice whose original the group does not remember (a restart, another node) goes to the first upstream, never to another bank; that upstream down, it is refused (91), not failed over', async (t) => {
  const a = await answering();
  const b = await answering();
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [upstream('primary', a), upstream('backup', b)] }, () => [a, b]);
  await group.request(purchase('610001', 'TERM0001')); // to primary: round robin would now pick backup
  // The original 610000 of TERM0009 went out before a restart (or on another node): the group does not know it.
  await group.request({ ...purchase('610002', 'TERM0009'), '0': '0400', '90': '020061000011211030000000012345600000000000' });
  await group.request({ ...purchase('610003', 'TERM0009'), '0': '0220' }); // an advice: round robin would pick backup
  const sent = (p: Peer): string[] => p.received.filter((r) => r.message['0'] !== '0800').map((r) => `${String(r.message['0'])}/${String(r.message['11'])}`);
  assert.deepEqual(sent(a), ['0200/610001', '0400/610002', '0220/610003']);
  assert.deepEqual(sent(b), []);
  const down = groupEvent(group, 'down', 'primary');
  await a.close();
  await down;
  await assert.rejects(group.request({ ...purchase('610004', 'TERM0009'), '0': '0401', '90': '020061000011211030000000012345600000000000' }), {
    code: 'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN',
  });
  assert.deepEqual(sent(b), [], 'the backup (another bank, maybe) never had the original: it gets no reversal');
  assert.equal((await group.request(purchase('610005', 'TERM0001')))['39'], '00', 'a new original fails over as before');
  assert.deepEqual(sent(b), ['0200/610005']);
});

test('the original of a request given with numbers (MTI 200, STAN 600101) or with its STAN auto-filled is remembered for its reversal', async (t) => {
  const a = await answering();
  const b = await answering();
  const auto = { stan: true, transmissionTime: false };
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [{ ...upstream('a', a), autoFill: auto }, { ...upstream('b', b), autoFill: auto }] }, () => [a, b]);
  await group.request({ ...purchase('600101'), '0': 200, '11': 600101 }); // to a
  const { '11': _none, ...unnumbered } = purchase('000000');
  const filled = await group.request({ ...unnumbered, '41': 'TERM0002' }); // to b, its STAN filled by b's connector
  const stan = String(filled['11']);
  // Round robin would now pick a, then b: each reversal goes to its original's upstream instead.
  await group.request({ ...purchase(stan, 'TERM0002'), '0': '0400' });
  await group.request({ ...purchase('600101'), '0': '0400' });
  const reversals = (p: Peer): string[] => p.received.filter((r) => r.message['0'] === '0400').map((r) => String(r.message['11']));
  assert.deepEqual(reversals(a), ['600101']);
  assert.deepEqual(reversals(b), [stan]);
});

test('the original of a request given unpadded (STAN 6201, terminal T2) is found by its reversal, which carries them padded', async (t) => {
  const a = await answering();
  const b = await answering();
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [upstream('a', a), upstream('b', b)] }, () => [a, b]);
  await group.request({ ...purchase('006201', 'T2'), '11': 6201 }); // to a
  await group.request(purchase('006202')); // to b
  await group.request(purchase('006203')); // to a
  // Round robin would now pick b: both reversals, written with wire values as buildReversal writes them, go to a.
  await group.request({ ...purchase('006204', 'T2      '), '0': '0400', '90': '020000620111211030000000012345600000000000' });
  await group.request({ ...purchase('006201', 'T2      '), '0': 400 }); // an MTI given as a number: 400 is 0400
  const reversals = (p: Peer): string[] => p.received.filter((r) => r.message['0'] === '0400').map((r) => String(r.message['11']));
  assert.deepEqual(reversals(a), ['006204', '006201']);
  assert.deepEqual(reversals(b), []);
});

test('request(null), relay(null) and sendMessage(null) are refused with ISO8583_ERR_CONNECTOR_INPUT (connector and group)', async (t) => {
  const a = await answering();
  const group = await startGroup(t, { upstreams: [upstream('a', a)] }, () => [a]);
  const connector = group.connectors.get('a');
  assert.ok(connector);
  const bad = null as unknown as IsoMessage;
  for (const target of [group, connector]) {
    await assert.rejects(target.request(bad), { code: 'ISO8583_ERR_CONNECTOR_INPUT' });
    await assert.rejects(target.relay(null as unknown as Parameters<typeof target.relay>[0]), { code: 'ISO8583_ERR_CONNECTOR_INPUT' });
    await assert.rejects(target.sendMessage(bad), { code: 'ISO8583_ERR_CONNECTOR_INPUT' });
  }
  assert.equal(a.received.length, 0);
});

test('metrics carry the upstream label; sendMessage keeps the input form', async (t) => {
  const a = await answering();
  const group = await startGroup(t, { upstreams: [upstream('only', a)] }, () => [a]);
  const json = await group.sendMessage(JSON.stringify(purchase('700001')));
  assert.equal(JSON.parse(json)['39'], '00');
  const text = await group.registry.metrics();
  assert.match(text, /iso8583_upstream_up\{upstream="only"\} 1/);
  assert.match(text, /iso8583_upstream_requests_total\{upstream="only",outcome="answered"\} 1/);
});

test('bad group options are refused before any socket opens, naming the option', () => {
  assert.throws(() => createUpstreamGroup({ upstreams: [] }), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', message: /upstreams/ });
  assert.throws(
    () => createUpstreamGroup({ upstreams: [{ name: 'x', host: '127.0.0.1', port: 1 }, { name: 'x', host: '127.0.0.1', port: 2 }] }),
    { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', message: /upstreams\[1\]\.name/ },
  );
  assert.throws(
    () => createUpstreamGroup({ upstreams: [{ name: 'x', host: '127.0.0.1', port: 1 }], routes: [{ pan: '4', upstream: 'y' }] }),
    { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', message: /routes\[0\]\.upstream/ },
  );
  assert.throws(
    () => createUpstreamGroup({ upstreams: [{ name: 'x', host: '127.0.0.1', port: 1 }], strategy: 'random' as 'failover' }),
    { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', message: /strategy/ },
  );
  // A number passes a digit pattern (coerced) and would never match the MTI's second digit: refused, named.
  for (const [rule, field] of [
    [{ mtiClass: 4, upstream: 'x' }, 'mtiClass'],
    [{ pan: 4111, upstream: 'x' }, 'pan'],
    [{ processingCode: 1, upstream: 'x' }, 'processingCode'],
  ] as const) {
    assert.throws(
      () => createUpstreamGroup({ upstreams: [{ name: 'x', host: '127.0.0.1', port: 1 }], routes: [rule as unknown as RouteRule] }),
      (err: unknown) => {
        assert.equal((err as { code?: string }).code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
        assert.ok((err as { problems?: { field: string }[] }).problems?.some((p) => p.field === `routes[0].${field}`), `names routes[0].${field}`);
        return true;
      },
    );
  }
});

test('a request that never reached the wire (no connection free in time) is tried on the next healthy upstream', async (t) => {
  let held: (() => void) | undefined;
  const a = await startPeer((r, p) => {
    if (r.message['0'] === '0800') return p.send(r.socket, answer(r.message));
    // The first purchase is held until the test lets it go: the primary's only connection stays busy.
    held = () => p.send(r.socket, answer(r.message));
  });
  const b = await answering();
  const group = await startGroup(t, {
    upstreams: [{ ...upstream('primary', a), mode: 'exclusive', pool: { min: 1, max: 1, acquireTimeout: 50 } }, upstream('backup', b)],
  }, () => [a, b]);
  const first = group.request(purchase('800001'));
  await a.waitFor(1);
  const second = await group.request(purchase('800002'));
  assert.equal(second['39'], '00');
  assert.equal(served(b), 1, 'the backup took the request the busy primary could not send');
  held?.();
  assert.equal((await first)['39'], '00');
  assert.equal(served(a), 1);
});

test('routedTo is told the upstream each request is handed to (by route or strategy), and not for one refused before any upstream takes it', async (t) => {
  const a = await answering();
  const b = await answering();
  const group = await startGroup(t, { upstreams: [upstream('a', a), upstream('b', b)], routes: [{ pan: '5413', upstream: 'b' }] }, () => [a, b]);
  const told: string[] = [];
  const routedTo = (c: { name: string }): void => void told.push(c.name);
  await group.request(purchase('000601'), { routedTo });
  await group.sendMessage(JSON.stringify({ ...purchase('000602'), '2': '5413330089010434' }), { routedTo });
  const m = purchase('000603');
  const relayed = await group.relay({ message: m, body: createCodec('iso87ascii').pack(m), dialect: resolveDialect('iso87ascii') }, { routedTo: () => { throw new Error('a throw is ignored'); } });
  assert.equal(relayed.message['39'], '00');
  assert.deepEqual(told, ['a', 'b']);
  await b.close();
  await groupEvent(group, 'down', 'b');
  await assert.rejects(group.request({ ...purchase('000604'), '2': '5413330089010434' }, { routedTo }), { code: 'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN' });
  assert.deepEqual(told, ['a', 'b'], 'not told: no upstream took it');
});
