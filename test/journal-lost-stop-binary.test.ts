/**
 * A graceful stop whose reversal journal was lost while the process ran (its folder removed), through the real binary
 * (gateway and `run FLOW.json`): the stop fails, exit 1, with the coded line naming the folder and how many SAF
 * entries were held in memory only; never `gateway stopped` exit 0, and no `kept` pointing at the folder that is gone.
 * Idle (nothing in the journal) and with a reversal pending (a bank that never answers). The folder is moved aside
 * (removeFolder), as an operator's `rm -r` or a lost mount would take it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, startCli, startGateway, startSimulator, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-journal-lost-'));
const servers: Server[] = [];
const sockets = new Set<Socket>();
after(async () => {
  await stopAll();
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  rmSync(work, { recursive: true, force: true });
});

/** A bank that accepts connections and never answers (real TCP on 127.0.0.1); resolves with its port. */
async function silentBank(): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

/**
 * Takes the journal folder `dir` away at once (moved aside: one rename, which files written meanwhile cannot make
 * fail as a recursive removal can); to the journal, its file is removed.
 */
function removeFolder(dir: string): void {
  renameSync(dir, `${dir}.gone`);
}

/** No log line says the entries are kept in `dir`, and no ready-made end line says stopped. */
function assertNotKeptIn(output: string, dir: string): void {
  for (const line of output.split('\n').filter((l) => l.startsWith('{'))) {
    const kept = (JSON.parse(line) as { kept?: string }).kept;
    assert.ok(kept === undefined || !kept.split(', ').includes(dir), `a log line says kept in the removed folder: ${line}`);
  }
}

/**
 * Removes the journal folder `dir` of the running gateway `gw`, stops it with SIGTERM, and checks that the stop failed
 * (exit 1, neither `gateway stopped` nor `gateway aborted`): its stderr.
 */
async function stopWithFolderGone(gw: CliProcess, dir: string): Promise<string> {
  removeFolder(dir);
  gw.kill('SIGTERM');
  const exit = await exitWithin(gw, 30_000, 'the gateway to end its stop');
  const stderr = gw.stderr();
  assert.equal(exit.code, 1, stderr.slice(-2000));
  assert.doesNotMatch(gw.stdout(), /gateway (stopped|aborted)/);
  return stderr;
}

test('gateway: its journal folder removed while idle, a graceful stop ends with the coded line naming it; exit 1', async () => {
  const bank = await startSimulator();
  const dir = join(work, 'gw-idle');
  const gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', dir]);
  const client = await PosClient.open(gw.pos.host, gw.pos.port);
  assert.equal((await client.request(purchase('LOSTJRN1', 1, 1500)))['39'], '00');
  await client.close();
  const stderr = await stopWithFolderGone(gw.process, dir);
  assert.ok(
    stderr.endsWith(`iso8583: ISO8583_ERR_CONNECTOR_JOURNAL: the graceful stop failed: the reversal journal in ${dir} was lost (its file ${join(dir, 'reversals.jsonl')} was removed): 0 SAF entries held in memory only\n`),
    stderr.slice(-1000),
  );
  assertNotKeptIn(stderr, dir);
});

test('gateway: its journal folder removed with a reversal pending, the stop says the entry was lost; exit 1', async () => {
  const port = await silentBank();
  const dir = join(work, 'gw-pending');
  const gw = await startGateway([
    '--upstream', `127.0.0.1:${port}`, '--reversal-journal', dir, '--request-timeout', '300',
    '--saf-retry-interval', '60000', '--shutdown-deadline', '500',
  ]);
  const client = await PosClient.open(gw.pos.host, gw.pos.port);
  // No answer from the bank: the terminal is told it failed, the reversal is journaled (and sent, never answered).
  assert.notEqual((await client.request(purchase('LOSTJRN2', 2, 2500)))['39'], '00');
  await client.close();
  const stderr = await stopWithFolderGone(gw.process, dir);
  assert.match(stderr, new RegExp(`iso8583: ISO8583_ERR_CONNECTOR_JOURNAL: the graceful stop failed: the reversal journal in ${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} was lost \\([^\\n]*\\): 1 SAF entry held in memory only\\n$`));
  assert.doesNotMatch(stderr, /4111111111111111|411111\*/);
  assertNotKeptIn(stderr, dir);
});

test('run FLOW.json: its journal folder removed while it runs, a graceful stop ends with the coded line; exit 1', async () => {
  const bank = await startSimulator();
  const dir = join(work, 'flow-journal');
  const flow = join(work, 'lost.json');
  writeFileSync(flow, JSON.stringify({
    name: 'lost',
    connectors: { bank: { host: '127.0.0.1', port: bank.port, reversal: { enabled: true, journalDir: dir } } },
    inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } },
  }));
  const run = startCli(['run', flow]);
  await run.waitForLine(/^flow lost ready$/);
  removeFolder(dir);
  run.kill('SIGTERM');
  const exit = await exitWithin(run, 30_000, 'the flow to end its stop');
  assert.equal(exit.code, 1, run.stderr().slice(-2000));
  assert.doesNotMatch(run.stdout(), /flow lost (stopped|aborted)/);
  assert.ok(run.stderr().endsWith(`the reversal journal in ${dir} was lost (its file ${join(dir, 'reversals.jsonl')} was removed): 0 SAF entries held in memory only\n`), run.stderr().slice(-1000));
});
