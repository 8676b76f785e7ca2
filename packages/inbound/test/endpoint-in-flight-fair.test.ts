// maxInFlight hands its freed slots to the connections that wait for one, in the order they began waiting: before, a
// message that ended gave its slot back to its own connection at once (and a reading connection took the next), the
// connections paused at the bound were told a turn later and found it gone, so a few pipelining clients could keep a
// paused terminal waiting for as long as they sent. Real sockets on 127.0.0.1; the order of events is the order the
// sequence was called in, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { waitUntil, within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

test('in-flight cap – a paused terminal gets the next freed slot while another client pipelines', async (t) => {
  const started: string[] = [];
  const sequence: Sequence = async (m, c) => {
    started.push(String(m.fields['41']));
    await nextTurn();
    return approveAll(m, c);
  };
  const { port } = await startEndpoint(t, { sequence, maxInFlight: 2 });
  const a = await TestClient.connect(port);
  t.after(() => a.destroy());
  const flood = 2_000;
  a.write(Buffer.concat(Array.from({ length: flood }, (_, i) => a.frame(purchase(1 + i)))));
  await waitUntil(() => started.length >= 50, { what: 'A\'s requests running' });
  const b = await TestClient.connect(port);
  t.after(() => b.destroy());
  const sentAt = started.length;
  const reply = await within(b.request(purchase(5_000, { 41: 'TERMB001' })), 20_000, 'B was not answered');
  assert.equal(reply.fields['39'], '00');
  const bAt = started.indexOf('TERMB001');
  const aBetween = bAt - sentAt;
  assert.ok(aBetween < 200, `B started after ${aBetween} more of A's requests (of ${flood - sentAt} left)`);
});
