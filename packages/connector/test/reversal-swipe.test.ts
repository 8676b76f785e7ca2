// A swipe (track 2 in field 35, or track 1 in 45, and no field 2) is reversed with the PAN of its track in field 2, so
// that the host can find the card; the track itself never reaches the reversal nor the journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { ReversalPlan, buildReversal } from '../src/reversal-message.js';
import { purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { safEvent } from './helpers/reversals.js';

const PAN = '4111111111111111';
const { 2: _pan, ...swipe } = purchase('091001');

test('reversal swipe – the PAN of track 2 (35), else track 1 (45), goes in field 2; never the track', () => {
  const d = getDialect('iso87ascii');
  const fromTrack2 = buildReversal(swipe, '0400', d);
  assert.equal(fromTrack2['2'], PAN);
  assert.equal(fromTrack2['35'], undefined);
  const { 35: _t2, ...noTrack2 } = swipe;
  const fromTrack1 = buildReversal({ ...noTrack2, 45: `B${PAN}^CARDHOLDER/TEST^29121010000000000000` }, '0400', d);
  assert.equal(fromTrack1['2'], PAN);
  assert.equal(fromTrack1['45'], undefined);
  // Field 2 given: it stands. No readable track: no field 2. Not among the fields: no PAN.
  assert.equal(buildReversal({ ...swipe, 2: '5555555555554444' }, '0400', d)['2'], '5555555555554444');
  assert.equal(buildReversal({ ...noTrack2, 35: 'not a track' }, '0400', d)['2'], undefined);
  assert.equal(buildReversal(swipe, '0400', d, ['3', '4', '11', '41'])['2'], undefined);
  // The journal's JSON text is the same reversal.
  const plan = new ReversalPlan('0400', d);
  assert.deepEqual(JSON.parse(plan.json(swipe)) as IsoMessage, plan.build(swipe));
});

test('reversal swipe – a timed-out swipe is reversed with its PAN; the journal holds no track', async (t) => {
  const dir = tempDir(t, 'swipe');
  const { peer, connector } = await peerAndConnector(t, () => undefined, {
    requestTimeout: 300,
    reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 },
  });
  await connector.connect();
  const sent = safEvent(connector, 'sent');
  assert.equal((await failure(connector.request(swipe))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await sent;
  await peer.waitFor(2);
  const reversal = peer.received[1]?.message as IsoMessage;
  assert.equal(reversal['0'], '0400');
  assert.equal(reversal['2'], PAN);
  assert.equal(reversal['35'], undefined);
  const journal = readFileSync(join(dir, 'reversals.jsonl'), 'latin1');
  assert.ok(journal.includes(`"2":"${PAN}"`), 'the PAN is journaled');
  assert.ok(!journal.includes('=2912'), 'never the track');
  assert.ok(!journal.includes('"35"'), 'never field 35');
});
