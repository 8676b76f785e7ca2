// The `answeredBy` send option: told which connector's host answered (in a group, the upstream the request went to),
// and the answer, before the caller gets it; a listener that throws never costs the caller its answer. Real peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector } from '../src/index.js';
import { purchase } from './peer.js';
import { answering, startGroup, upstream } from './helpers/setup.js';

test('answeredBy names the upstream that answered: request, sendMessage and relay, each routed to its own upstream', async (t) => {
  const a = await answering();
  const b = await answering();
  const group = await startGroup(t, { upstreams: [upstream('visa', a), upstream('mc', b)], routes: [{ pan: '5', upstream: 'mc' }] }, () => [a, b]);
  const told: string[] = [];
  const answers: string[] = [];
  const answeredBy = (c: Connector, answer: IsoMessage): void => {
    told.push(c.name);
    answers.push(String(answer['11']));
  };
  await group.request(purchase('000501'), { answeredBy });
  await group.request({ ...purchase('000502'), '2': '5555555555554444' }, { answeredBy });
  await group.sendMessage(JSON.stringify({ ...purchase('000503'), '2': '5555555555554444' }), { answeredBy });
  const mc = group.connectors.get('mc') as Connector;
  const message = { ...purchase('000504'), '2': '5555555555554444' };
  const relayed = await group.relay({ message: mc.codec.unpack(mc.codec.pack(message)), body: mc.codec.pack(message), dialect: mc.codec.dialect }, { answeredBy });
  assert.equal(relayed.message['39'], '00');
  assert.deepEqual(told, ['visa', 'mc', 'mc', 'mc']);
  assert.deepEqual(answers, ['000501', '000502', '000503', '000504'], 'told each answer (as its upstream decoded it) with it');
});

test('answeredBy is not told of a failure; one that throws still lets the answer through', async (t) => {
  const a = await answering();
  const group = await startGroup(t, { upstreams: [upstream('only', a)] }, () => [a]);
  const answer = await group.request(purchase('000601'), {
    answeredBy: () => {
      throw new Error('a listener that throws');
    },
  });
  assert.equal(answer['39'], '00');
  let told = 0;
  await assert.rejects(group.request(purchase('000602'), { timeout: 0, answeredBy: () => void (told += 1) }), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS' });
  assert.equal(told, 0);
});
