// Under the smartvista dialect a reversal is SocketQueue's SmartVista one: function code 24 = 400, field 25 as the
// original's, no field 90 (SmartVista's packager has none; it requires 24 and 25 in an 0400), field 7 now on each attempt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromJson } from '@iso8583/codec';
import { buildReversal } from '../src/index.js';
import { answer } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { watchReversals } from './helpers/reversals.js';

/** A SmartVista purchase as SocketQueue's README sends it, field 7 long past. */
function svPurchase(stan: string): Record<string, string> {
  return {
    '0': '0200', '3': '000000', '4': '000000001000', '7': '0818160933', '11': stan, '12': '150820130600', '22': '056',
    '24': '200', '25': '00', '35': '4761739001010010=19082012232800000037', '41': '00992468', '42': '000124642124643', '49': '810',
  };
}

test('smartvista reversal – 0400 with 24 = 400 and 25, without 90, field 7 fresh on every attempt (0401 too)', async (t) => {
  let reversals = 0;
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] === '0400' || r.message['0'] === '0401') {
      reversals += 1;
      if (reversals >= 2) p.send(r.socket, answer(r.message, { '39': '000' }));
    }
  }, {
    dialect: 'smartvista',
    frame: 'ascii4',
    requestTimeout: 100,
    reversal: { enabled: true, journalDir: tempDir(t, 'journal'), retryInterval: 100 },
  }, { dialect: 'smartvista', framing: { lengthHeader: 'ascii4' } });
  const { reached } = watchReversals(connector);
  await assert.rejects(connector.request(svPurchase('618160')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await reached;
  const sent = peer.received.slice(1).map((r) => r.message);
  assert.deepEqual(sent.map((m) => m['0']), ['0400', '0401']);
  for (const m of sent) {
    assert.equal(m['24'], '400');
    assert.equal(m['25'], '00');
    assert.equal(m['90'], undefined);
    assert.equal(m['35'], undefined);
    assert.match(String(m['7']), /^\d{10}$/);
    assert.notEqual(m['7'], '0818160933', 'field 7 is the time of the attempt, not the original\'s');
    for (const f of ['3', '4', '11', '12', '22', '41', '42', '49']) assert.equal(m[f], svPurchase('618160')[f], `field ${f} copied`);
  }
});

test('smartvista reversal – a JSON dialect extending smartvista inherits it; iso87ascii keeps field 90', () => {
  const sv = createCodec('smartvista').dialect;
  const reversal = buildReversal(svPurchase('000001'), '0400', sv);
  assert.deepEqual([reversal['24'], reversal['25'], reversal['90']], ['400', '00', undefined]);
  const extended = dialectFromJson({ name: 'my-sv', extends: 'smartvista', fields: { '48': { length: 99 } } });
  assert.deepEqual(buildReversal(svPurchase('000001'), '0400', extended), reversal);
  const plain = buildReversal(svPurchase('000001'), '0400', createCodec('iso87ascii').dialect);
  assert.deepEqual([plain['24'], plain['25'], typeof plain['90']], [undefined, undefined, 'string']);
});
