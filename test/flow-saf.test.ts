/**
 * `iso8583 run` with a connector whose SAF queue is on (`saf.enabled`) and placed by nobody: its journal goes to the
 * per-user state folder under the flow and connector names, as the reversal journal does, never the working folder.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { startCli, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-saf-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('iso8583 run: a SAF queue nobody placed', () => {
  test('goes to the per-user state folder under the flow and connector names', async () => {
    const bank = await startSimulator();
    const state = join(work, 'state');
    const file = join(work, 'advices.json');
    writeFileSync(file, JSON.stringify({
      name: 'advices',
      connectors: { bank: { host: bank.host, port: bank.port, frame: 'binary2', saf: { enabled: true, expireAfter: 60000 } } },
      inboundEndpoints: { pos: { port: 0, frame: 'binary2', sequence: join(repoRoot(), 'examples', 'dist', 'sequences', 'authorise.js') } },
    }));
    const flow = startCli(['run', file], { env: { XDG_STATE_HOME: state }, cwd: work });
    await flow.waitForLine(/^flow advices ready/);
    assert.ok(existsSync(join(state, 'iso8583', 'advices.bank', 'reversals.jsonl')), 'the journal is in $XDG_STATE_HOME/iso8583/advices.bank');
    assert.ok(!existsSync(join(work, 'reversals.jsonl')));
    flow.kill('SIGTERM');
    const exit = await flow.exited;
    assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}; stdout: ${flow.stdout()} stderr: ${flow.stderr().slice(-1500)}`);
    bank.process.kill();
  });
});
