// An upstream still on its first connect attempt is connecting, not down: a request routed to it waits for that
// attempt (within the request's time), as a lone connector's first request does; once that attempt failed, a request
// routed to it is refused at once (`ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN`). Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin, within } from '@iso8583/test-support';
import { createConnector, createUpstreamGroup } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { answering, downPort, peerFor, upstream } from './helpers/setup.js';

const toMc = (stan: string): IsoMessage => ({ ...purchase(stan), '2': '5555555555554444' });

test('after connect(), a request routed to an upstream still signing on for the first time waits for it', async (t) => {
  const visa = await answering();
  t.after(() => visa.close());
  // The mc host holds its sign-on answer until the test lets it go: mc's first connect attempt is still going on.
  let held: Received | undefined;
  let heldSeen: () => void = () => undefined;
  const signOnHeld = new Promise<void>((resolve) => (heldSeen = resolve));
  const mc = await peerFor(t, (r, p) => {
    if (r.message['0'] === '0800' && held === undefined) {
      held = r;
      heldSeen();
      return;
    }
    p.send(r.socket, answer(r.message));
  });
  const mcConnector = createConnector({ ...upstream('mc', mc), signOn: true, transactionLog: false });
  const group = createUpstreamGroup({
    strategy: 'round-robin',
    upstreams: [upstream('visa', visa), { name: 'mc', connector: mcConnector }],
    routes: [{ pan: '4', upstream: 'visa' }, { pan: '5', upstream: 'mc' }],
  });
  t.after(() => group.destroy());
  await group.connect();
  await within(signOnHeld, 10_000, 'mc asked to sign on');
  assert.deepEqual(group.healthy(), ['visa'], 'mc is not up yet');

  const routed = group.request(toMc('700001'));
  const settled = { done: false };
  void routed.then(() => (settled.done = true), () => (settled.done = true));
  // Answered once mc's sign-on is: the request waited for the attempt rather than being refused as down.
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(settled.done, false, 'the routed request waits for mc');
  const signOn = held as Received;
  mc.send(signOn.socket, answer(signOn.message));
  const r = await within(routed, 10_000, 'the request routed to mc');
  assert.equal(r['39'], '00');
  assert.equal(mc.received.at(-1)?.message['11'], '700001', 'answered by mc');
});

test('once its first connect attempt failed, a request routed to the upstream is refused at once as down', async (t) => {
  const visa = await answering();
  t.after(() => visa.close());
  const port = await downPort(t);
  const mcConnector = createConnector({ name: 'mc', host: '127.0.0.1', port, reconnect: { initialDelay: 10_000, maxDelay: 10_000 }, transactionLog: false });
  const failed = eventWithin(10_000, 'mc first connect attempt did not fail', (resolve) => mcConnector.once('error', () => resolve(undefined)));
  const group = createUpstreamGroup({
    upstreams: [upstream('visa', visa), { name: 'mc', connector: mcConnector }],
    routes: [{ pan: '5', upstream: 'mc' }],
  });
  t.after(() => group.destroy());
  await group.connect();
  await failed;
  await assert.rejects(within(group.request(toMc('700002')), 2_000, 'the refusal'), { code: 'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN' });
  assert.equal(group.stats()['mc']?.unavailable, 1);
});

test('a request routed to an upstream whose first connect attempt then fails ends within its time, coded, and the upstream is down after', async (t) => {
  const visa = await answering();
  t.after(() => visa.close());
  const port = await downPort(t);
  const mcConnector = createConnector({ name: 'mc', host: '127.0.0.1', port, reconnect: { initialDelay: 10_000, maxDelay: 10_000 }, requestTimeout: 2_000, transactionLog: false });
  const group = createUpstreamGroup({
    upstreams: [upstream('visa', visa), { name: 'mc', connector: mcConnector }],
    routes: [{ pan: '5', upstream: 'mc' }],
  });
  t.after(() => group.destroy());
  // No connect(): the routed request starts mc's first attempt, as a lone connector's first request does.
  const err = await within(group.request(toMc('700003')).then(() => undefined, (e: Error & { code?: string }) => e), 10_000, 'the routed request');
  // Its connect error (never written: the gateway answers 91), not a wait to the end of its time.
  assert.equal(err?.code, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED');
  await assert.rejects(within(group.request(toMc('700004')), 2_000, 'the refusal'), { code: 'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN' });
});
