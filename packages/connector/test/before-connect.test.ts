// `beforeConnect`: called once by the start with the journal open (its lock held), before any connection opens; a throw
// fails the start (connect(), started(), the Fastify plugin's onReady) with that error and the host is never reached.
// Real files, a real listener on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import fastify from 'fastify';
import { countingListener } from '@iso8583/test-support';
import { createConnector, iso8583Connector, LOCK_FILE } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

test('a beforeConnect that throws fails the start with its error, under the journal lock, and no connection opens', async (t) => {
  const host = await countingListener(t);
  const port = host.port;
  const journalDir = tempDir(t, 'before-connect');
  const refusal = Object.assign(new Error('not this host'), { code: 'TEST_REFUSED' });
  let lockedThen: boolean | undefined;
  const beforeConnect = (): void => {
    lockedThen = existsSync(join(journalDir, LOCK_FILE));
    throw refusal;
  };
  const connector = createConnector({ host: '127.0.0.1', port, reversal: { enabled: true, journalDir }, beforeConnect });
  await assert.rejects(connector.connect(), (err) => err === refusal);
  await assert.rejects(connector.started(), (err) => err === refusal);
  assert.equal(lockedThen, true, 'called with the journal locked');
  await connector.destroy();
  // The plugin: the app's ready fails with it.
  const app = fastify();
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port, reversal: { enabled: true, journalDir }, beforeConnect });
  await assert.rejects(async () => app.ready(), (err: unknown) => err === refusal);
  await app.close();
  // A connection made to the host would be accepted before the listener's own probe (countingListener.accepted).
  assert.equal(await host.accepted(), 0, 'the host accepted no connection');
});

for (const stop of ['close', 'destroy'] as const) {
  test(`a beforeConnect that never settles does not hold ${stop}(): the start ends and the journal lock is released`, async (t) => {
    // Before: the stop waited for the start, which waited for the hook for ever; the journal stayed locked.
    const server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const port = (server.address() as { port: number }).port;
    const journalDir = tempDir(t, 'before-connect-hangs');
    let called!: () => void;
    const hookCalled = new Promise<void>((resolve) => (called = resolve));
    const beforeConnect = (): Promise<void> => {
      called();
      return new Promise<void>(() => undefined);
    };
    const connector = createConnector({ host: '127.0.0.1', port, reversal: { enabled: true, journalDir }, beforeConnect });
    const starting = connector.connect().catch(() => undefined);
    await hookCalled;
    assert.equal(existsSync(join(journalDir, LOCK_FILE)), true, 'locked while the hook runs');
    await connector[stop]();
    await starting;
    assert.equal(existsSync(join(journalDir, LOCK_FILE)), false, 'the journal lock released');
  });
}
