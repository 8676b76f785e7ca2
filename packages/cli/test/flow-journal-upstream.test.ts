// A default journal folder is named by the flow's and the connector's names only: two `flow.json` files (two folders)
// with a connector `bank` at two banks share it, and the second flow's start sent the first's owed reversal (card
// number and all) to its own bank. Now the start records its upstream in the folder (upstream.json, host:port), and
// `run --check` and the start refuse a connector whose journal still owes entries recorded for another upstream
// (ISO8583_ERR_FLOW_INVALID naming /connectors/bank/host and the folder); a journal that owes nothing is taken over.
// Real files, the real `iso8583` binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultJournalDir, owedInJournalSync } from '@iso8583/connector';
import { countingListener } from '@iso8583/test-support';
import { runCli, startCli } from './cli-process.js';
import { journalWithReversal } from './helpers/owed-journal.js';
import { stateHome } from './helpers/state-home.js';

/** The flow file `flow.json` in `dir/sub` (no name: the default folder is `flow.bank`): connector `bank` at `port`, reversal on. */
function flowIn(dir: string, sub: string, port: number): string {
  mkdirSync(join(dir, sub));
  const file = join(dir, sub, 'flow.json');
  const flow = { connectors: { bank: { host: '127.0.0.1', port, reversal: { enabled: true } } }, inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } } };
  writeFileSync(file, JSON.stringify(flow));
  return file;
}

/** The marker of `dir`'s upstream, as a start writes it. */
function markAs(dir: string, upstream: string): void {
  writeFileSync(join(dir, 'upstream.json'), `${JSON.stringify({ upstream })}\n`);
}

test('a start records its upstream in its journal folder', async (t) => {
  const file = flowIn(stateHome(t, 'flow-upstream'), 'a', 9);
  const run = await startCli(['run', file]);
  const ended = await run.stop();
  assert.equal(ended.code, 0, ended.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(defaultJournalDir('flow.bank'), 'upstream.json'), 'utf8')), { upstream: '127.0.0.1:9', by: 'flow' });
});

test('another flow.json at another bank over a journal owing the first bank a reversal: --check and the start refuse, nothing sent', async (t) => {
  const dir = stateHome(t, 'flow-upstream');
  const other = await countingListener(t);
  const journalDir = defaultJournalDir('flow.bank');
  await journalWithReversal(journalDir);
  markAs(journalDir, '127.0.0.1:9');
  const file = flowIn(dir, 'b', other.port);
  const text = `/connectors/bank/host: the journal in ${journalDir} holds 1 entries an earlier run left unsent (1 reversals owed) for the upstream 127.0.0.1:9 (its upstream.json), not 127.0.0.1:${other.port}`;
  const check = await runCli(['run', file, '--check']);
  assert.notEqual(check.code, 0, check.stdout);
  assert.ok(check.stderr.includes('ISO8583_ERR_FLOW_INVALID') && check.stderr.includes(text), check.stderr);
  const started = await startCli(['run', file]).then(
    async (run) => `started: ${(await run.stop()).stderr}`,
    (err: Error) => err.message,
  );
  assert.ok(started.includes('ISO8583_ERR_FLOW_INVALID') && started.includes(text), started);
  assert.equal(owedInJournalSync(journalDir).owed, 1, 'the reversal is still owed to its own bank');
  assert.equal(await other.accepted(), 0, `the other bank was never reached (it got ${other.received().length} bytes)`);
  assert.deepEqual(JSON.parse(readFileSync(join(journalDir, 'upstream.json'), 'utf8')), { upstream: '127.0.0.1:9' });
});

test('the same upstream over a journal owing it a reversal: no refusal (the start sends it)', async (t) => {
  const dir = stateHome(t, 'flow-upstream');
  const journalDir = defaultJournalDir('flow.bank');
  await journalWithReversal(journalDir);
  markAs(journalDir, '127.0.0.1:10');
  const check = await runCli(['run', flowIn(dir, 'b', 10), '--check']);
  assert.equal(check.code, 0, check.stderr);
});

test('another upstream over a journal that owes nothing: no refusal, the start takes the folder over', async (t) => {
  const dir = stateHome(t, 'flow-upstream');
  const journalDir = defaultJournalDir('flow.bank');
  await journalWithReversal(journalDir, true);
  markAs(journalDir, '127.0.0.1:9');
  const file = flowIn(dir, 'b', 10);
  const check = await runCli(['run', file, '--check']);
  assert.equal(check.code, 0, check.stderr);
  const run = await startCli(['run', file]);
  assert.equal((await run.stop()).code, 0);
  assert.deepEqual(JSON.parse(readFileSync(join(journalDir, 'upstream.json'), 'utf8')), { upstream: '127.0.0.1:10', by: 'flow' });
});

test('a flow renamed: --check warns of the old default folder still owing its upstream a reversal, and passes', async (t) => {
  const dir = stateHome(t, 'flow-upstream');
  const old = defaultJournalDir('flow.bank');
  await journalWithReversal(old);
  markAs(old, '127.0.0.1:9');
  const file = join(dir, 'payments-prod.json');
  writeFileSync(file, JSON.stringify({ connectors: { bank: { host: '127.0.0.1', port: 9, reversal: { enabled: true } } } }));
  const check = await runCli(['run', file, '--check']);
  assert.equal(check.code, 0, check.stderr);
  assert.ok(
    check.stdout.startsWith(`warning: ISO8583_WARN_JOURNAL_ELSEWHERE: /connectors/bank/host: the journal in ${old} holds 1 entries an earlier run left unsent (1 reversals owed) for this upstream 127.0.0.1:9, which this flow (journaling in ${defaultJournalDir('payments-prod.bank')}) never sends`),
    check.stdout,
  );
  // Another upstream's folder is not this flow's business.
  markAs(old, '127.0.0.1:10');
  assert.equal((await runCli(['run', file, '--check'])).stdout, 'flow payments-prod is valid\n');
  // A gateway's folder at the same bank is not a renamed flow's: never advice to point the flow's journalDir at it.
  writeFileSync(join(old, 'upstream.json'), `${JSON.stringify({ upstream: '127.0.0.1:9', by: 'gateway' })}\n`);
  assert.equal((await runCli(['run', file, '--check'])).stdout, 'flow payments-prod is valid\n');
});

test('a connector with reversal and SAF off (it only reads the journal, no lock) never rewrites the folder\'s marker', async (t) => {
  const dir = stateHome(t, 'flow-upstream');
  const journalDir = defaultJournalDir('flow.bank');
  await journalWithReversal(journalDir, true);
  markAs(journalDir, '127.0.0.1:9');
  mkdirSync(join(dir, 'off'));
  const file = join(dir, 'off', 'flow.json');
  writeFileSync(file, JSON.stringify({ connectors: { bank: { host: '127.0.0.1', port: 10 } }, inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } } }));
  const run = await startCli(['run', file]);
  const ended = await run.stop();
  assert.equal(ended.code, 0, ended.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(journalDir, 'upstream.json'), 'utf8')), { upstream: '127.0.0.1:9' }, 'the marker of the process holding the folder stays');
});
