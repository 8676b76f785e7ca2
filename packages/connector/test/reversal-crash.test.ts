// The journal makes reversal survive a crash: the process is killed (SIGKILL) after the purchase was written, and
// the next start sends the reversal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnector } from '../src/index.js';
import type { ReversalEvent } from '../src/index.js';
import { answer, startPeer } from './peer.js';

test('a purchase in flight when the process is killed is reversed by the next start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The host never answers the purchase; it answers reversals.
  const peer = await startPeer((r, p) => {
    if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  });
  t.after(() => peer.close());
  const child = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/send-purchase.js', import.meta.url)), String(peer.port), dir], {
    stdio: 'ignore',
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const [purchase] = await peer.waitFor(1);
  assert.equal(purchase?.message['0'], '0200');
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');

  const connector = createConnector({ host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir } });
  t.after(() => connector.destroy());
  const answered = new Promise<ReversalEvent>((resolve) =>
    connector.on('reversal', (e: ReversalEvent) => e.stage === 'answered' && resolve(e)),
  );
  await connector.connect();
  const e = await answered;
  assert.equal(e.stan, '009001');
  const reversal = peer.received.find((r) => r.message['0'] === '0400');
  assert.ok(reversal, 'the reversal reached the host');
  assert.equal(String(reversal.message['90']).slice(0, 10), '0200009001');
  assert.equal(reversal.message['4'], '000000001000');
});

/** The STANs of the reversals journaled (`add` records) in a journal file. */
function journaledStans(path: string): Set<string> {
  const stans = new Set<string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    let record: { op?: string; reversal?: { '11'?: string } };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue; // a line being written right now
    }
    if (record.op === 'add' && record.reversal?.['11'] !== undefined) stans.add(record.reversal['11']);
  }
  return stans;
}

test('group commit: many concurrent purchases are each journaled before they leave, and all are reversed after a kill', async (t) => {
  const count = 150;
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const journal = join(dir, 'reversals.jsonl');
  const missing: string[] = [];
  // On receiving each purchase the host reads the journal file: the purchase's reversal must already be there.
  const peer = await startPeer((r, p) => {
    if (r.message['0'] === '0200') {
      const stan = String(r.message['11']);
      if (!journaledStans(journal).has(stan)) missing.push(stan);
      return;
    }
    p.send(r.socket, answer(r.message));
  });
  t.after(() => peer.close());
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./fixtures/send-purchase.js', import.meta.url)), String(peer.port), dir, String(count)],
    { stdio: 'ignore' },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const purchases = await peer.waitFor(count);
  assert.equal(purchases.filter((r) => r.message['0'] === '0200').length, count);
  assert.deepEqual(missing, [], 'every purchase was journaled before it reached the host');
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');

  const connector = createConnector({ host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir } });
  t.after(() => connector.destroy());
  const stans = new Set<string>();
  const all = new Promise<void>((resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      if (e.stage === 'answered' && e.stan !== undefined) stans.add(e.stan);
      if (stans.size === count) resolve();
    }),
  );
  await connector.connect();
  await all;
  const expected = Array.from({ length: count }, (_, i) => String(9001 + i).padStart(6, '0'));
  assert.deepEqual([...stans].sort(), expected);
  const reversed = peer.received.filter((r) => r.message['0'] === '0400').map((r) => String(r.message['90']).slice(4, 10));
  assert.deepEqual([...new Set(reversed)].sort(), expected);
});
