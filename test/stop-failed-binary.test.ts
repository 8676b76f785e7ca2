/**
 * A graceful stop that fails, through the real binary (gateway and `run FLOW.json`): a connector whose close rejects
 * (as a journal on a mount whose `close()` reports a deferred write error would; the failure is injected with a
 * `--import` preload that wraps the connector's `close`, the only way found to make one fail from outside: a journal
 * folder removed, a full disk and a listener whose close fails all end in a clean stop). The process says it is
 * stopping, then exits 1 with the close's coded line on stderr, `the graceful stop failed: ...`; never `stopped`, never
 * `aborted`. A flow's stop dropped such a failure before (its endpoints' closes were `allSettled`; its connectors'
 * failure came through); this checks both commands end alike.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, startCli, startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-stop-failed-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** A preload making every connector's close reject (once it has closed) with a coded journal error. */
function preload(): string {
  const file = join(work, 'close-fails.mjs');
  writeFileSync(
    file,
    `import { createConnector } from ${JSON.stringify(import.meta.resolve('@iso8583/connector'))};
import { Iso8583Error } from ${JSON.stringify(import.meta.resolve('@iso8583/codec'))};
const proto = Object.getPrototypeOf(createConnector({ host: '127.0.0.1', port: 9 }));
const close = proto.close;
proto.close = async function () {
  await close.call(this);
  throw new Iso8583Error('ISO8583_ERR_CONNECTOR_JOURNAL', 'the journal could not be closed (EIO)');
};
`,
  );
  return file;
}

const FAILED = /^iso8583: ISO8583_ERR_CONNECTOR_JOURNAL: the graceful stop failed: the journal could not be closed \(EIO\)\n$/m;

test('gateway: a graceful stop whose close fails prints the stopping line, then the coded failure; exit 1', async () => {
  const bank = await startSimulator();
  const env = { NODE_OPTIONS: `--import=${preload()}` };
  const gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', join(work, 'gw')], { env });
  gw.process.kill('SIGTERM');
  const exit = await exitWithin(gw.process, 30_000, 'the gateway to end its failed stop');
  assert.equal(exit.code, 1, gw.process.stderr().slice(-2000));
  assert.match(gw.process.stdout(), /^SIGTERM: stopping \(draining the work in flight; SIGTERM again aborts\)$/m);
  assert.doesNotMatch(gw.process.stdout(), /gateway (stopped|aborted)|aborting/);
  assert.match(gw.process.stderr(), FAILED);
  // The coded line is the end: nothing after it.
  assert.ok(gw.process.stderr().endsWith('(EIO)\n'), gw.process.stderr().slice(-500));
});

test('run FLOW.json: a graceful stop whose close fails prints the stopping line, then the coded failure; exit 1', async () => {
  const bank = await startSimulator();
  const flow = join(work, 'flow.json');
  writeFileSync(flow, JSON.stringify({
    name: 'closing',
    connectors: { bank: { host: '127.0.0.1', port: bank.port, reversal: { journalDir: join(work, 'flow-journal') } } },
    inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } },
  }));
  const run = startCli(['run', flow], { env: { NODE_OPTIONS: `--import=${preload()}` } });
  await run.waitForLine(/^flow closing ready$/);
  run.kill('SIGTERM');
  const exit = await exitWithin(run, 30_000, 'the flow to end its failed stop');
  assert.equal(exit.code, 1, run.stderr().slice(-2000));
  assert.match(run.stdout(), /^SIGTERM: stopping \(draining the work in flight; SIGTERM again aborts\)$/m);
  assert.doesNotMatch(run.stdout(), /flow closing (stopped|aborted)|aborting/);
  assert.match(run.stderr(), FAILED);
  assert.ok(run.stderr().endsWith('(EIO)\n'), run.stderr().slice(-500));
});
