// With a `matchKey` without field "0" (STAN and terminal only), keys do not tell the message classes apart: an 0810
// or a 0410 the host sends under a 0200's STAN and terminal once settled the 0200 (an 0810's "00" taken as an
// approval). Only an answer of the request's response MTI (0210, 0211) is its answer; any other is unsolicited, and
// the request keeps waiting for its own. A real host on a TCP socket answers each request with another class first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { answer, corruptResponse, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** The other-class message the host sends first under `request`'s STAN and terminal (response code 00). */
function otherClass(request: IsoMessage, mti: string): IsoMessage {
  return { '0': mti, '7': request['7'] as string, '11': request['11'] as string, '39': '00', '41': request['41'] as string, '70': '301' };
}

for (const [mti, first] of [
  ['0200', '0810'],
  ['0200', '0410'],
  ['0201', '0410'],
] as const) {
  test(`matchKey ["11", "41"] – an ${first} under a ${mti}'s STAN and terminal is not its answer; the ${mti.slice(0, 2)}10 after it is`, async (t) => {
    const { connector } = await peerAndConnector(
      t,
      (r, p) => {
        p.send(r.socket, otherClass(r.message, first));
        p.send(r.socket, answer(r.message, { '38': 'OWN001' }));
      },
      { matchKey: ['11', '41'], requestTimeout: 20_000 },
    );
    const unsolicited: IsoMessage[] = [];
    connector.on('unsolicited', (m: IsoMessage) => unsolicited.push(m));
    const response = await connector.request({ ...purchase('610001'), '0': mti });
    assert.equal(response['0'], '0210', `the ${mti} took the ${String(response['0'])} as its answer`);
    assert.equal(response['38'], 'OWN001');
    assert.deepEqual(unsolicited.map((m) => m['0']), [first], 'the other class was reported as unsolicited');
    assert.equal(connector.stats().inFlight, 0);
  });
}

test('matchKey ["11", "41"] – an undecodable 0810 under a 0200\'s key does not fail the 0200 (BAD_RESPONSE); its 0210 answers it', async (t) => {
  const { connector } = await peerAndConnector(
    t,
    (r, p) => {
      r.socket.write(corruptResponse(p, otherClass(r.message, '0810')));
      p.send(r.socket, answer(r.message, { '38': 'OWN002' }));
    },
    { matchKey: ['11', '41'], requestTimeout: 20_000 },
  );
  const response = await connector.request(purchase('610002'));
  assert.equal(response['0'], '0210');
  assert.equal(response['38'], 'OWN002');
});
