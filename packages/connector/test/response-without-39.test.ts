// A response without field 39 (the response code, mandatory in a response) to an authorisation, financial or reversal
// request: whether the host approved, or applied the reversal, is unknown. The request fails with
// ISO8583_ERR_CONNECTOR_BAD_RESPONSE naming field 39, as when its answer does not decode: a purchase is reversed, and
// a reversal so answered is repeated until an answer with a response code ends it. Real sockets, a peer that answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Iso8583Error } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import type { Connector, ReversalEvent } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer } from './peer.js';

/** `request`'s answer without field 39. */
function without39(request: IsoMessage): IsoMessage {
  const out = answer(request);
  delete out['39'];
  return out;
}

/** A connector with reversal on (a fresh journal folder, removed after) to `peer`. */
function reversing(t: { after(fn: () => Promise<void>): void }, peer: Peer, requestTimeout: number): Connector {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-no39-'));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout, reversal: { enabled: true, journalDir: dir, retryInterval: 50 } });
  connector.on('error', () => undefined);
  t.after(async () => {
    await connector.destroy();
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return connector;
}

test('a purchase answered without field 39 fails with BAD_RESPONSE naming field 39, and is reversed', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, r.message['0'] === '0200' ? without39(r.message) : answer(r.message)));
  const connector = reversing(t, peer, 60_000);
  const problems: Iso8583Error[] = [];
  connector.on('error', (e: Iso8583Error) => void problems.push(e));
  const answered = new Promise<ReversalEvent>((resolve) => connector.on('reversal', (e: ReversalEvent) => e.stage === 'answered' && resolve(e)));
  const err = await connector.request(purchase('039001')).then(
    () => assert.fail('must fail'),
    (e: unknown) => e as Iso8583Error,
  );
  assert.ok(err instanceof Iso8583Error);
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_BAD_RESPONSE');
  assert.equal(err.field, '39');
  assert.equal(err.mti, '0200');
  assert.doesNotMatch(err.message, /4111111111111111/);
  assert.equal((await within(answered, 10_000, 'the reversal to be answered')).stan, '039001');
  const reversal = peer.received.find((r) => r.message['0'] === '0400');
  assert.equal(String(reversal?.message['90']).slice(0, 10), '0200039001');
  assert.deepEqual(problems.map((e) => [e.code, e.field]), [['ISO8583_ERR_CONNECTOR_BAD_RESPONSE', '39']]);
});

test('a reversal answered without field 39 is not ended: it is repeated until answered with a response code', async (t) => {
  let reversals = 0;
  const peer = await startPeer((r, p) => {
    if (r.message['0'] === '0200') return; // the purchase times out: reversed
    reversals += 1;
    p.send(r.socket, reversals === 1 ? without39(r.message) : answer(r.message));
  });
  const connector = reversing(t, peer, 200);
  const answered = new Promise<ReversalEvent>((resolve) => connector.on('reversal', (e: ReversalEvent) => e.stage === 'answered' && resolve(e)));
  await assert.rejects(connector.request(purchase('039002')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const e = await within(answered, 20_000, 'the reversal to be answered with a response code');
  assert.equal(e.stan, '039002');
  assert.equal(e.responseCode, '00', 'ended by the answer that has a response code');
  assert.equal(reversals, 2, 'the reversal answered without field 39 was sent again');
});

test('the host\'s real answer after one without field 39 is a late answer (a reversal can follow it), not an unsolicited one', async (t) => {
  const peer = await startPeer((r, p) => {
    if (r.message['0'] !== '0200') return p.send(r.socket, answer(r.message));
    p.send(r.socket, without39(r.message));
    p.send(r.socket, answer(r.message));
  });
  const connector = reversing(t, peer, 60_000);
  const heard = new Promise<string>((resolve) => {
    connector.on('late-response', () => resolve('late-response'));
    connector.on('unsolicited', () => resolve('unsolicited'));
  });
  const err = await connector.request(purchase('039003')).then(
    () => assert.fail('must fail'),
    (e: unknown) => e as Iso8583Error,
  );
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_BAD_RESPONSE');
  assert.equal(await within(heard, 10_000, 'the real answer to be heard'), 'late-response');
});
