// close() while a request waits for a connection and the host is down (the next connect attempt in its reconnect
// backoff): the stop ends that attempt, no connection is open or being made, so the waiting request fails at once
// with ISO8583_ERR_CONNECTOR_CLOSED (`sent: 'no'`) and close() resolves, not after `pool.acquireTimeout`. Both modes;
// a real port on 127.0.0.1 that refuses, no sleeps for ordering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reservePort, waitUntil, within } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import type { Iso8583Error } from '@iso8583/codec';
import { purchase } from './peer.js';

for (const mode of ['multiplex', 'exclusive'] as const) {
  test(`${mode}: close() fails a request waiting for a connection of a down host at once (CLOSED, sent no), not after pool.acquireTimeout`, async (t) => {
    // A port nothing listens on, below the system's range (no other test's port-0 listen can take it meanwhile).
    const reserved = await reservePort();
    t.after(() => reserved.release());
    const port = reserved.port;
    const connector = createConnector({
      host: '127.0.0.1',
      port,
      mode,
      pool: { min: 1, max: 1, acquireTimeout: 120_000 },
      reconnect: { initialDelay: 60_000, maxDelay: 60_000 },
    });
    t.after(() => connector.destroy());
    await assert.rejects(connector.connect(), { code: 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' });
    // The next attempt waits its backoff (30 to 60 s): the request waits for a connection. (generic-pool keeps the
    // wait of the failed connect() queued: count from what is pending now.)
    const before = connector.stats().pending;
    const request = connector.request(purchase('007101')).then(
      () => undefined,
      (err: unknown) => err as Iso8583Error,
    );
    await waitUntil(() => connector.stats().pending > before, { what: 'the request to wait for a connection' });
    await within(connector.close(), 10_000, 'close() to resolve without waiting out pool.acquireTimeout');
    const err = await request;
    assert.equal(err?.code, 'ISO8583_ERR_CONNECTOR_CLOSED');
    assert.equal(err?.sent, 'no');
  });
}
