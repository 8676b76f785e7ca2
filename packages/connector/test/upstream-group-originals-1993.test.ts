// With an ISO 8583:1993 dialect a reversal names its original in field 56 (original data elements: MTI, STAN, ...),
// not in field 90, which there is a count (authorisations, reversal number, n 10): an upstream group sends it to the
// upstream that had its original, found by the STAN of field 56, never by the digits of a count in field 90.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { answer, startPeer } from './peer.js';
import type { Peer } from './peer.js';
import { startGroup, upstream } from './helpers/setup.js';

const DIALECT = 'iso93ascii';

function purchase93(stan: string): IsoMessage {
  return { '0': '1200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': stan, '12': '261130193000', '32': '123456', '41': 'TERM0001', '49': '840' };
}

/** A 1993 host that answers everything with action code 000. */
function answering93(): Promise<Peer> {
  return startPeer((r, p) => p.send(r.socket, { ...answer(r.message, { '39': '000' }), '0': responseMti(String(r.message['0'])) as string }), { dialect: DIALECT });
}

test('1993: a reversal goes to the upstream of the original its field 56 names, whatever field 90 (a count) holds', async (t) => {
  const a = await answering93();
  const b = await answering93();
  const group = await startGroup(
    t,
    { strategy: 'round-robin', upstreams: [{ ...upstream('a', a), dialect: DIALECT }, { ...upstream('b', b), dialect: DIALECT }] },
    () => [a, b],
  );
  await group.request(purchase93('620001')); // to a
  await group.request(purchase93('620002')); // to b: round robin picks a next
  // Each reversal has its own STAN; field 56 is the original's MTI, STAN, local date and time, acquirer (LLVAR).
  const field56 = '1200' + '620002' + '261130193000' + '06123456';
  await group.request({ ...purchase93('620003'), '0': '1420', '56': field56 });
  await group.request({ ...purchase93('620004'), '0': '1421', '56': field56, '90': '0000000001' });
  const reversals = (p: Peer): string[] => p.received.filter((r) => String(r.message['0']).startsWith('142')).map((r) => String(r.message['11']));
  assert.deepEqual(reversals(a), [], 'the bank that never had the original gets no reversal');
  assert.deepEqual(reversals(b), ['620003', '620004']);
});
