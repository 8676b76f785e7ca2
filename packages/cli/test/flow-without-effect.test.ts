// A flow connector's option that would have no effect (a reversal journal folder without `reversal.enabled`, a SAF
// setting with the queue off, a store key without a store, a terminal queue setting without the queue) is refused,
// naming its JSON path and what it needs, by `run --check` and the start alike; the same keys with what they need load.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';
import { flowPathProblems } from './flow-problems.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-without-effect-'));
after(() => rmSync(work, { recursive: true, force: true }));

let files = 0;
/** A flow file of one connector `bank` with `options`, and the host simulator endpoint. */
function flowWith(options: Record<string, unknown>): string {
  files += 1;
  const file = join(work, `flow${files}.json`);
  writeFileSync(file, JSON.stringify({ connectors: { bank: { host: '127.0.0.1', port: 9, ...options } }, inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } } }));
  return file;
}

const QUEUE_OFF = 'is without effect: neither reversal.enabled nor saf.enabled is true (no reversal, no SAF queue): give reversal.enabled true, or remove it';

test('flow file – reversal.journalDir without reversal.enabled is refused naming /connectors/bank/reversal/journalDir', () => {
  assert.deepEqual(flowPathProblems(flowWith({ reversal: { journalDir: 'j' } })), [`/connectors/bank/reversal/journalDir: ${QUEUE_OFF}`]);
  assert.deepEqual(flowPathProblems(flowWith({ reversal: { enabled: false, journalDir: 'j', maxAttempts: 3 } })), [
    `/connectors/bank/reversal/journalDir: ${QUEUE_OFF}`,
    `/connectors/bank/reversal/maxAttempts: ${QUEUE_OFF}`,
  ]);
  assert.deepEqual(flowPathProblems(flowWith({ reversal: { enabled: true, journalDir: 'j', maxAttempts: 3 } })), []);
  assert.deepEqual(flowPathProblems(flowWith({ saf: { enabled: true, journalDir: 'j' }, reversal: { mti: '0420' } })), [], 'the queue is on by saf.enabled');
});

test('flow file – SAF settings with the queue off, store keys without a store, terminal queue settings without the queue are refused', () => {
  const file = flowWith({
    saf: { journalDir: 'j', maxAttempts: 3, endCodes: ['00'] },
    terminalQueue: { maxQueued: 5, timeout: 100 },
    storeKeys: ['bank'],
    safLease: 1000,
    safOwnerLock: false,
  });
  assert.deepEqual(flowPathProblems(file), [
    `/connectors/bank/saf/journalDir: ${QUEUE_OFF}`,
    `/connectors/bank/saf/maxAttempts: ${QUEUE_OFF}`,
    `/connectors/bank/saf/endCodes: ${QUEUE_OFF}`,
    '/connectors/bank/terminalQueue/maxQueued: is without effect: terminalQueue.enabled is not true (no terminal queue): give terminalQueue.enabled true, or remove it',
    '/connectors/bank/terminalQueue/timeout: is without effect: terminalQueue.enabled is not true (no terminal queue): give terminalQueue.enabled true, or remove it',
    '/connectors/bank/storeKeys: is without effect: there is no store (a postgresql:// URL): give store, or remove it',
    '/connectors/bank/safLease: is without effect: there is no store (a postgresql:// URL): give store, or remove it',
    '/connectors/bank/safOwnerLock: is without effect: there is no store (a postgresql:// URL): give store, or remove it',
  ]);
  assert.deepEqual(flowPathProblems(flowWith({ store: 'postgresql://u@127.0.0.1:1/db' })), [
    '/connectors/bank/store: is without effect: neither reversal.enabled nor saf.enabled nor terminalQueue.enabled is true (nothing is kept in the store): give one, or remove it',
  ]);
  const used = { store: 'postgresql://u@127.0.0.1:1/db', storeKeys: ['bank'], safLease: 1000, terminalQueue: { enabled: true, maxQueued: 5 } };
  assert.deepEqual(flowPathProblems(flowWith(used)), [], 'the store holds the terminal lock');
});

test('run --check and run refuse a reversal.journalDir without reversal.enabled with ISO8583_ERR_FLOW_INVALID, nothing made', async () => {
  const file = flowWith({ reversal: { journalDir: 'never-made' } });
  for (const args of [['run', file, '--check'], ['run', file]]) {
    const r = await runCli(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_FLOW_INVALID: flow file \S+ is invalid:\n {2}\S+:1:\d+ \/connectors\/bank\/reversal\/journalDir: is without effect: neither reversal\.enabled nor saf\.enabled is true/);
  }
  assert.equal(existsSync(join(work, 'never-made')), false);
});

test('flow file – terminalQueue.lockConnections without a store (no terminal lock) is refused; with a store it is used', () => {
  assert.deepEqual(flowPathProblems(flowWith({ terminalQueue: { enabled: true, lockConnections: 5 } })), [
    '/connectors/bank/terminalQueue/lockConnections: is without effect: there is no store (a postgresql:// URL), so no terminal lock: give store, or remove it',
  ]);
  assert.deepEqual(flowPathProblems(flowWith({ store: 'postgresql://u@127.0.0.1:1/db', terminalQueue: { enabled: true, lockConnections: 5 } })), []);
});
