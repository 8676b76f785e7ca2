// destroy() settles every accepted request and every close waiter, whatever step the request is at: queued behind its
// terminal, waiting for a connection (the host holds the sign-on), written and awaiting the answer, its reversal being
// journaled. A close() begun before (its drain waiting for those requests, as Fastify's `app.close()` does through the
// plugin) ends with it; nothing is left in flight. Real sockets, real file journals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { advice } from './helpers/reversals.js';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';

for (const mode of ['multiplex', 'exclusive'] as const) {
  for (const first of ['close', 'destroy'] as const) {
    test(`destroy() settles every request, written, waiting for a connection or queued, and any close() (${mode}, ${first} first)`, async (t) => {
      const dir = tempDir(t, 'destroy-settles');
      let signOns = 0;
      const held: Received[] = [];
      const peer = await peerFor(t, (r, p) => {
        if (r.message['0'] === '0800') {
          signOns += 1;
          if (signOns === 1) p.send(r.socket, answer(r.message)); // the first connection signs on; later ones are held
          return;
        }
        held.push(r); // never answered
      });
      const connector = connectorFor(t, {
        host: '127.0.0.1',
        port: peer.port,
        mode,
        signOn: true,
        pool: { max: 2, min: 1 },
        requestTimeout: 60_000,
        reversal: { enabled: true, journalDir: dir },
        terminalQueue: { enabled: true },
        transactionLog: false,
      });
      await connector.connect();
      const settled: string[] = [];
      const track = (name: string, p: Promise<unknown>): Promise<void> =>
        p.then(
          () => settled.push(`${name} answered`),
          (err: { code?: string }) => settled.push(`${name} ${String(err.code)}`),
        ).then(() => undefined);
      const written = track('written', connector.request({ ...purchase('009901'), '41': 'TERMA001' }));
      await peer.waitFor(2); // the sign-on and the purchase
      const queued = track('queued', connector.request({ ...purchase('009902'), '41': 'TERMA001' }));
      // Needs another connection (the first is busy in exclusive mode; multiplex grows): the host holds its sign-on.
      const waiting = track('waiting', connector.request({ ...purchase('009903'), '41': 'TERMB001' }));
      const journaling = track('journaling', connector.request({ ...purchase('009904'), '41': 'TERMC001' }));
      const closing = first === 'close' ? connector.close() : undefined;
      const destroyed = connector.destroy();
      await within(Promise.all([written, queued, waiting, journaling]), 10_000, `every request settled after destroy(): ${settled.join(', ')}`);
      await within(destroyed, 10_000, 'destroy() to end');
      if (closing !== undefined) await within(closing, 10_000, 'the close() begun before destroy() to end');
      await within(connector.close(), 10_000, 'a close() after destroy() to end');
      assert.equal(connector.stats().inFlight, 0, 'nothing in flight');
      assert.equal(settled.length, 4);
      assert.ok(settled.every((s) => !s.endsWith('answered')), settled.join(', '));
    });
  }
}

for (const mode of ['multiplex', 'exclusive'] as const) {
  test(`destroy() during the start settles the requests waiting for it (a store, a signal among them) and close() (${mode})`, async (t) => {
    const dir = tempDir(t, 'destroy-settles-start');
    const peer = await peerFor(t, (r, p) => {
      if (r.message['0'] === '0800') p.send(r.socket, answer(r.message));
    });
    const connector = connectorFor(t, {
      host: '127.0.0.1',
      port: peer.port,
      mode,
      signOn: true,
      requestTimeout: 60_000,
      reversal: { enabled: true, journalDir: dir },
      saf: { enabled: true },
      terminalQueue: { enabled: true },
      transactionLog: false,
    });
    const settled: string[] = [];
    const track = (name: string, p: Promise<unknown>): Promise<void> =>
      p.then(
        () => settled.push(`${name} answered`),
        (err: { code?: string }) => settled.push(`${name} ${String(err.code)}`),
      ).then(() => undefined);
    const all = [
      track('purchase', connector.request(purchase('009801'))),
      track('queued', connector.request({ ...purchase('009802'), '41': 'TERMX001' })),
      track('advice', connector.request(advice('009803'), { saf: true })),
      track('signal', connector.request({ ...purchase('009804'), '41': 'TERMX001' }, { signal: AbortSignal.timeout(5) })),
    ];
    const closing = connector.close();
    await new Promise<void>((resolve) => setImmediate(resolve));
    const destroyed = connector.destroy();
    await within(Promise.all(all), 10_000, `every request settled after destroy(): ${settled.join(', ')}`);
    await within(destroyed, 10_000, 'destroy() to end');
    await within(closing, 10_000, 'the close() begun before destroy() to end');
    assert.equal(connector.stats().inFlight, 0, 'nothing in flight');
    // The advice is stored (its receipt) or refused; no purchase was answered.
    assert.deepEqual(settled.filter((s) => s.endsWith('answered') && !s.startsWith('advice')), [], settled.join(', '));
  });
}
