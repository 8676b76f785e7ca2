// The ready path (a connection free now, no journal, no terminal queue): the request goes out in the caller's turn and
// its one promise is settled by the channel. Every way it ends is counted and recorded once, and nothing stays
// accepted: close() finds the connector idle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { FileTransactionLog, createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

test('ready path – answered, refused by pack and refused as a duplicate are each counted and recorded once, and close finds nothing in flight', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-ready-'));
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const peer = await startPeer((r, p) => {
    // STAN 000003 is answered only once the test has sent its duplicate.
    if (r.message['11'] === '000003') void held.then(() => p.send(r.socket, answer(r.message)));
    else p.send(r.socket, answer(r.message, { '38': 'AUTH01' }));
  });
  const log = new FileTransactionLog(dir);
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 30_000, node: 'node-r', transactionLog: log });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await connector.connect();

  const ok = await connector.request(purchase('000001'));
  assert.equal(ok['39'], '00');
  // A value that does not pack: refused before the write, on the ready path as on any other.
  await assert.rejects(connector.request({ ...purchase('000002'), '4': 'not digits' }), (err: { code?: string }) => {
    assert.match(String(err.code), /^ISO8583_ERR_/);
    return true;
  });
  const first = connector.request(purchase('000003'));
  await assert.rejects(connector.request(purchase('000003')), { code: 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY' });
  release();
  assert.equal((await within(first, 10_000, 'the held purchase was not answered'))['39'], '00');

  const s = connector.stats();
  assert.equal(s.requests, 4);
  assert.equal(s.responses, 2);
  assert.equal(s.errors, 2);
  assert.equal(s.inFlight, 0);
  assert.equal(s.amounts.processed, 2000);
  const records = await log.query({});
  const by = (stan: string): string[] => records.filter((r) => r.stan === stan).map((r) => `${r.outcome}${r.errorCode === undefined ? '' : ` ${r.errorCode}`}`);
  assert.deepEqual(by('000001'), ['approved']);
  assert.equal(by('000002').length, 1);
  assert.match(by('000002')[0] as string, /^error ISO8583_ERR_/);
  assert.deepEqual(by('000003').sort(), ['approved', 'error ISO8583_ERR_CONNECTOR_DUPLICATE_KEY']);
  assert.equal(records.find((r) => r.stan === '000001')?.pan, '411111******1111');
  // Every accepted request left: close() does not wait for one that never settles.
  await within(connector.close(), 10_000, 'close() waited for a request that never settled');
});
