/**
 * A graceful stop that fails, through the real binary (gateway and `run FLOW.json`): a connector whose close rejects
 * (as a journal on a mount whose `close()` reports a deferred write error would; the failure is injected with a
 * `--import` preload that wraps the connector's `close`, a full disk and a listener whose close fails end in a clean
 * stop; a journal folder removed fails the stop too: journal-lost-stop-binary.test.ts). The process says it is
 * stopping, then exits 1 with the close's coded line on stderr, `the graceful stop failed: ...`; never `stopped`, never
 * `aborted`. A flow's stop dropped such a failure before (its endpoints' closes were `allSettled`; its connectors'
 * failure came through); this checks both commands end alike. And a stop that never settles at all ends with the
 * `ISO8583_ERR_CLI_UNSETTLED` line (main.ts), exit 1.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, startCli, startGateway, startSimulator, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-stop-failed-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/**
 * A preload file that wraps every connector's methods: `patch` is module code run with `proto` (the connector's
 * prototype) and `Iso8583Error` in scope.
 */
function preload(name: string, patch: string): string {
  const file = join(work, `${name}.mjs`);
  writeFileSync(
    file,
    `import { createConnector } from ${JSON.stringify(import.meta.resolve('@iso8583/connector'))};
import { Iso8583Error } from ${JSON.stringify(import.meta.resolve('@iso8583/codec'))};
const proto = Object.getPrototypeOf(createConnector({ host: '127.0.0.1', port: 9 }));
${patch}
`,
  );
  return `--import=${file}`;
}

/** Every connector's close rejects, once it has closed, with a coded journal error. */
const CLOSE_FAILS = `const close = proto.close;
proto.close = async function () {
  await close.call(this);
  throw new Iso8583Error('ISO8583_ERR_CONNECTOR_JOURNAL', 'the journal could not be closed (EIO)');
};`;

/**
 * Starts `iso8583 run` on a flow named `name` (a connector with a journal to a simulated bank, an endpoint answering
 * as a host; `extra` keys added) with `nodeOptions` (a preload) and resolves once it is ready.
 */
async function readyFlow(name: string, nodeOptions: string, extra: Record<string, unknown> = {}): Promise<CliProcess> {
  const bank = await startSimulator();
  const flow = join(work, `${name}.json`);
  writeFileSync(flow, JSON.stringify({
    name,
    ...extra,
    connectors: { bank: { host: '127.0.0.1', port: bank.port, reversal: { enabled: true, journalDir: join(work, `${name}-journal`) } } },
    inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } },
  }));
  const run = startCli(['run', flow], { env: { NODE_OPTIONS: nodeOptions } });
  await run.waitForLine(new RegExp(`^flow ${name} ready$`));
  return run;
}

const FAILED = /^iso8583: ISO8583_ERR_CONNECTOR_JOURNAL: the graceful stop failed: the journal could not be closed \(EIO\)\n$/m;

test('gateway: a graceful stop whose close fails prints the stopping line, then the coded failure; exit 1', async () => {
  const bank = await startSimulator();
  const env = { NODE_OPTIONS: preload('close-fails', CLOSE_FAILS) };
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
  const run = await readyFlow('closing', preload('close-fails', CLOSE_FAILS));
  run.kill('SIGTERM');
  const exit = await exitWithin(run, 30_000, 'the flow to end its failed stop');
  assert.equal(exit.code, 1, run.stderr().slice(-2000));
  assert.match(run.stdout(), /^SIGTERM: stopping \(draining the work in flight; SIGTERM again aborts\)$/m);
  assert.doesNotMatch(run.stdout(), /flow closing (stopped|aborted)|aborting/);
  assert.match(run.stderr(), FAILED);
  assert.ok(run.stderr().endsWith('(EIO)\n'), run.stderr().slice(-500));
});

// A stop that never settles (a lost promise: here every connector's close and destroy close their sockets, then never
// settle) while nothing holds the event loop any more: Node would exit 0 with no word. main.ts reports it instead:
// `ISO8583_ERR_CLI_UNSETTLED` on stderr, exit 1, after the deadline's warning; no `gateway stopped`.
test('gateway: a stop that never settles ends with the unsettled line and exit 1, not a silent 0', async () => {
  const bank = await startSimulator();
  const never = `const close = proto.close;
proto.close = async function () {
  await close.call(this);
  await new Promise(() => {});
};
const destroy = proto.destroy;
proto.destroy = async function (err) {
  await destroy.call(this, err);
  await new Promise(() => {});
};`;
  const env = { NODE_OPTIONS: preload('never-settles', never) };
  const gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', join(work, 'gw-never'), '--shutdown-deadline', '500'], { env });
  gw.process.kill('SIGTERM');
  const exit = await exitWithin(gw.process, 30_000, 'the gateway to end its unsettled stop');
  assert.equal(exit.code, 1, gw.process.stderr().slice(-2000));
  assert.match(gw.process.stdout(), /^SIGTERM: stopping /m);
  assert.doesNotMatch(gw.process.stdout(), /gateway (stopped|aborted)/);
  assert.match(gw.process.stderr(), /"code":"ISO8583_WARN_SHUTDOWN_DEADLINE_PASSED"[^\n]*"msg":"gateway shutdown deadline passed: aborting what is left"/);
  assert.ok(gw.process.stderr().endsWith('iso8583: ISO8583_ERR_CLI_UNSETTLED: the gateway command stopped without an outcome\n'), gw.process.stderr().slice(-500));
});

// A flow whose stop passes its deadline (a connector's close that never settles) ends as the gateway's does: its
// connectors destroyed, `flow NAME stopped`, exit 0, and the log says the deadline passed (it said nothing before),
// with its code as a field (as the gateway's line).
test('run FLOW.json: a stop past its shutdownDeadline logs that the deadline passed, then stops', async () => {
  const never = `const close = proto.close;
proto.close = async function () {
  await close.call(this);
  await new Promise(() => {});
};`;
  const run = await readyFlow('late', preload('close-never-settles', never), { shutdownDeadline: 500 });
  run.kill('SIGTERM');
  const exit = await exitWithin(run, 30_000, 'the flow to end its stop past the deadline');
  assert.equal(exit.code, 0, run.stderr().slice(-2000));
  assert.match(run.stdout(), /^flow late stopped$/m);
  assert.match(run.stderr(), /"level":40[^\n]*"code":"ISO8583_WARN_SHUTDOWN_DEADLINE_PASSED"[^\n]*"msg":"flow late shutdown deadline passed: aborting what is left"/);
  // Its start warning (the deadline shorter than the connector's wait for the bank) carries its code as a field too.
  assert.match(run.stderr(), /"level":40[^\n]*"code":"ISO8583_WARN_SHUTDOWN_DEADLINE"[^\n]*"msg":"ISO8583_WARN_SHUTDOWN_DEADLINE: shutdownDeadline 500 /);
});
