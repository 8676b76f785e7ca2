/**
 * An aborted stop of the real `iso8583 run` (a second SIGTERM) tells the same story as the gateway's, through the same
 * code (drain.ts `abortConnectors`): `flow NAME aborting ...` at once, then one last line `flow NAME aborted ...` with
 * `safLeft`, `reversalsPending` and `kept` (the connector's journal folder), no card data, and `flow NAME aborted` on
 * stdout, exit 1. Before, the abort destroyed the connectors and said nothing of what they left (the graceful stop's
 * `flow NAME stopped` line came, if at all, after them).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { exitWithin, logLine, startCli, stopAll } from './helpers/cli.js';
import { startBank } from './helpers/bank.js';
import { storeAdvice } from './helpers/saf-advice.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-abort-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test('run: an aborted stop logs aborting, then aborted with the SAF entries left and their journal folder; exit 1', async () => {
  // A bank that never answers: the advice stays at it, unanswered, when the stop is aborted.
  const bank = await startBank(() => undefined);
  const journal = join(work, 'journal');
  const file = join(work, 'abort.json');
  writeFileSync(file, JSON.stringify({
    name: 'abortme',
    shutdownDeadline: 60000,
    connectors: { bank: { host: '127.0.0.1', port: bank.port, frame: 'binary2', saf: { enabled: true, journalDir: journal, initialDelay: 0 } } },
    inboundEndpoints: { pos: { port: 0, frame: 'binary2', sequence: join(repoRoot(), 'examples', 'dist', 'sequences', 'authorise.js') } },
    http: { port: 0, routes: { bank: '/bank' } },
  }));
  const flow = startCli(['run', file], { cwd: work });
  const http = await flow.waitForLine(/^http listening on (\S+)/);
  await flow.waitForLine(/^flow abortme ready/);
  assert.equal(await storeAdvice(`http://${http[1] as string}/bank`, '300901', 'ABRTTRM2', '5413330089010434'), 202);
  await bank.waitFor((m) => m['0'] === '0220' && m['11'] === '300901');
  flow.kill('SIGTERM');
  await flow.waitForLine(/SIGTERM: stopping/);
  flow.kill('SIGTERM');
  const exit = await exitWithin(flow, 15_000, 'the flow after a second SIGTERM');
  assert.equal(exit.code, 1, `exit; stderr: ${flow.stderr().slice(-1500)}`);
  assert.match(flow.stdout(), /^flow abortme aborted$/m);
  const log = flow.stderr();
  assert.equal(logLine(log, 'flow abortme aborting').msg, 'flow abortme aborting: work in flight dropped, SAF entries kept in the journal');
  const aborted = logLine(log, 'flow abortme aborted');
  assert.equal(aborted.msg, 'flow abortme aborted with SAF entries left in the journal: the next start sends them');
  assert.equal(aborted.level, 40);
  assert.deepEqual(aborted.safLeft, { reversals: 0, advices: 1 });
  assert.equal(aborted.reversalsPending, 0);
  assert.equal(aborted.kept, journal);
  assert.equal(aborted.closing, undefined, 'written once the connector was destroyed');
  assert.ok(log.indexOf('"msg":"flow abortme aborting') < log.indexOf('"msg":"flow abortme aborted'));
  assert.doesNotMatch(log, /"msg":"flow abortme stopped/, 'one end line: the abort\'s');
  assert.doesNotMatch(flow.stdout() + log, /5413330089010434/);
  await bank.close();
});
