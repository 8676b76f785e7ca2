// A message whose MTI expects no answer (a 0210 or 0410 sent by a caller, an acknowledgement) is refused before it is
// written or held: ISO8583_ERR_CONNECTOR_INPUT naming field 0, never a timeout, and the real request of its STAN and
// terminal (its terminal's turn in the terminal queue too) is not kept waiting by it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect, isIso8583Error } from '@iso8583/codec';
import { MatchKey } from '../src/match-key.js';
import { answer } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

function purchase(mti: string, stan: string): Record<string, string> {
  return { '0': mti, '2': '4111111111111111', '3': '000000', '4': '000000002500', '11': stan, '41': 'TERM0001' };
}

for (const terminalQueue of [false, true]) {
  test(`a 0210 is refused at once (field 0), and the 0200 of its STAN and terminal then gets 00${terminalQueue ? ' (terminal queue)' : ''}`, async (t) => {
    const { peer, connector } = await peerAndConnector(t, (r, p) => {
      if (r.message['0'] === '0200') p.send(r.socket, answer(r.message, { '39': '00' }));
    }, { requestTimeout: 60_000, ...(terminalQueue ? { terminalQueue: {} } : {}) });
    await connector.connect();
    for (const mti of ['0210', '0410', '0218', '0206']) {
      await assert.rejects(connector.request(purchase(mti, '000401')), (err: unknown) => {
        assert.ok(isIso8583Error(err));
        assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_INPUT');
        assert.equal(err.field, '0');
        assert.equal(err.mti, mti);
        assert.doesNotMatch(err.message, /4111111111111111/);
        return true;
      });
    }
    // Not held for the 60 s timeout: the real purchase of that STAN and terminal goes through at once.
    const response = await connector.request(purchase('0200', '000401'));
    assert.equal(response['39'], '00');
    assert.deepEqual(peer.received.map((r) => r.message['0']), ['0200'], 'nothing but the purchase was written');
    const s = connector.stats();
    assert.equal(s.timeouts, 0);
    assert.equal(s.errors, 4);
  });
}

test('a field 0 that is not an MTI is refused without being named (it may be anything, even card data)', () => {
  const keys = new MatchKey(['0', '11', '41'], getDialect('iso87ascii'));
  for (const mti of ['4111111111111111', '02x0', '', '0200 ']) {
    assert.throws(() => keys.ofRequest({ ...purchase('0200', '000402'), '0': mti }), (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_INPUT');
      assert.equal(err.mti, 'invalid');
      assert.doesNotMatch(err.message, /4111111111111111/);
      return true;
    });
  }
  // A match key without field 0 refuses it too: the MTI decides whether an answer is due, not the key.
  assert.throws(() => new MatchKey(['11', '41'], getDialect('iso87ascii')).ofRequest(purchase('0210', '000402')), { code: 'ISO8583_ERR_CONNECTOR_INPUT' });
  assert.equal(keys.ofRequest(purchase('0200', '000402')), '0210|000402|TERM0001|');
});
