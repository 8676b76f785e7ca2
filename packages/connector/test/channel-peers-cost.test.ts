// An answer that matches no request on its connection is matched against the requests waiting on the connector's other
// connections (channel-peers.ts): it looked in every connection of the pool, O(pool) per such answer (a host answering
// on other connections, or sending unsolicited answers, paid it on each). The channels now keep, by match key, the
// channels a request waits on (PendingRequests): the lookup is O(requests waiting under the key). Counted as the lookups
// by the answer's key in the connector's maps, for a pool of 2 and of 12 connections: the same, not a timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DictionaryMap } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

const STAN = '009917';

/** The lookups by a key of STAN made while a pool of `size` connections takes an answer no request waits for. */
async function lookupsFor(t: AfterHook, size: number): Promise<number> {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: size, max: size } });
  await connector.connect();
  await waitUntil(() => (peer.sockets.size === size ? true : undefined), { what: `the pool's ${size} connections`, timeoutMs: 20_000 });
  const unsolicited = new Promise<IsoMessage>((resolve) => connector.once('unsolicited', resolve));
  let lookups = 0;
  const get = DictionaryMap.prototype.get;
  DictionaryMap.prototype.get = function counted<V>(this: DictionaryMap<V>, key: string): V | undefined {
    if (key.includes(STAN)) lookups++;
    return get.call(this, key) as V | undefined;
  };
  try {
    peer.send([...peer.sockets][0]!, answer(purchase(STAN)));
    await unsolicited;
  } finally {
    DictionaryMap.prototype.get = get;
  }
  await connector.close();
  return lookups;
}

test('an answer matching no request is looked up under its key, not in every connection of the pool', async (t) => {
  const small = await lookupsFor(t, 2);
  const large = await lookupsFor(t, 12);
  assert.ok(small > 0, 'the lookups are counted');
  assert.equal(large, small, `a pool of 12 made ${large} lookups, one of 2 made ${small}`);
});
