// In an upstream group of exclusive-mode upstreams, a caller giving up on its own request after the write (its
// AbortSignal, as when a terminal hangs up; its short `deadline`) closes that connection (the host may still be on the
// request) but never reports the healthy bank down: no `down` event, no count. Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { answer, purchase } from './peer.js';
import { peerFor, startGroup, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';


for (const name of ['its signal aborts', 'its deadline passes']) {
  test(`upstream group caller limit – exclusive: after the write, ${name}: the upstream is not reported down`, async (t) => {
    // A holds the first purchase (never answers it) and answers every other; B answers at once.
    const a = await peerFor(t, (r, p) => {
      if (r.message['11'] !== '056001') p.send(r.socket, answer(r.message));
    });
    const b = await peerFor(t);
    const exclusive = { mode: 'exclusive' as const, pool: { min: 1, max: 1 }, requestTimeout: 30_000 };
    const group = await startGroup(t, { upstreams: [{ ...upstream('A', a), ...exclusive }, { ...upstream('B', b), ...exclusive }] }, () => []);
    const downs: unknown[] = [];
    group.on('down', (e: unknown) => downs.push(e));
    const connectorA = group.connectors.get('A');
    assert.ok(connectorA);
    // The link's own 'disconnect' listener runs first: once this one runs, a down would have been reported.
    const closed = once(connectorA, 'disconnect');
    const gone = new AbortController();
    const first = failure(group.request(purchase('056001'), name.startsWith('its signal') ? { signal: gone.signal } : { deadline: performance.now() + 150 }));
    await a.waitFor(1);
    gone.abort();
    const err = await first;
    assert.equal(err.code, name.startsWith('its signal') ? 'ISO8583_ERR_CONNECTOR_ABORTED' : 'ISO8583_ERR_CONNECTOR_TIMEOUT');
    await closed;
    assert.deepEqual(downs, [], 'a caller giving up is not the bank being down');
    assert.equal(group.stats().A?.downs, 0);
    assert.equal((await group.request(purchase('056002')))['39'], '00');
  });
}
