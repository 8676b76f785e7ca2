// A flow with connectors and neither inbound endpoints nor an HTTP section (finding rv65h 2) says `flow NAME ready`
// and stays up until a stop signal, its bank link down or not: once it ended on its own the moment its bank refused,
// with `ISO8583_ERR_CLI_UNSETTLED` and exit code 1 (nothing kept the event loop alive: the connector's reconnect timer
// is unref'd). The real binary, a real flow file, a real (refused) port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempFolder, within } from '@iso8583/test-support';
import { BIN, runCli } from './cli-process.js';

/** A port of 127.0.0.1 nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('run: a connector-only flow whose bank refuses stays up until SIGTERM (no ISO8583_ERR_CLI_UNSETTLED)', async (t) => {
  const dir = tempFolder(t, 'iso8583-run-connector-only-');
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({ name: 'only', connectors: { bank: { host: '127.0.0.1', port: await closedPort() } }, logLevel: 'warn' }));
  const checked = await runCli(['run', file, '--check']);
  assert.equal(checked.code, 0, checked.stderr);

  const child = spawn(process.execPath, [BIN, 'run', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_STATE_HOME: dir } });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString('utf8'); });
  const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // The connector's second refused connect: the flow outlived one reconnect wait. Or the process ended first.
  const secondFailure = new Promise<'failed twice'>((resolve) => {
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
      if ((stderr.match(/ISO8583_ERR_CONNECTOR_CONNECT_FAILED/g) ?? []).length >= 2) resolve('failed twice');
    });
  });
  const first = await within(Promise.race([secondFailure, ended.then((code) => `ended ${String(code)}`)]), 20_000, 'a second connect failure or the end');
  assert.equal(first, 'failed twice', `the flow ended on its own: ${stdout}${stderr}`);
  child.kill('SIGTERM');
  const code = await within(ended, 20_000, 'the flow to stop');
  assert.equal(code, 0, stderr);
  assert.match(stdout, /flow only stopped\n/);
  assert.doesNotMatch(stderr, /ISO8583_ERR_CLI_UNSETTLED/);
});
