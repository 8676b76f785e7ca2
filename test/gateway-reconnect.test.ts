/**
 * The gateway's reconnect backoff as the operator sets it, end to end with the real binary: a bank that goes away and
 * comes back on its port is linked again within `--reconnect-max-delay`, however long it was away. With the
 * connector's default backoff (100 ms doubling up to 30 s) the eighth failure in a row already waits 6.4 to 12.8 s.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort, waitUntil } from '@iso8583/test-support';
import { startCli, startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-reconnect-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** The gateway's JSON log lines (stderr) whose `msg` is `msg`. */
function logLines(stderr: string, msg: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes(`"msg":"${msg}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('--reconnect-delay and --reconnect-max-delay: a bank back on its port is linked again within the longest wait', async () => {
  const MAX_DELAY = 200;
  // The bound: the longest wait, plus what a busy 2-core machine takes to connect and write the log line.
  const BOUND = MAX_DELAY + 1800;
  // Away for eight failed tries in a row: the default backoff would then wait 6.4 s at least.
  const FAILURES = 8;
  // It comes back on its port: reserved, or the system could hand it out while the bank is away.
  const port = (await reservePort()).port;
  const bank = await startSimulator([], port);
  const gw = await startGateway([
    '--upstream', `${bank.host}:${bank.port}`,
    '--reconnect-delay', '20',
    '--reconnect-max-delay', String(MAX_DELAY),
    '--reversal-journal', join(work, 'journal'),
    '--log-level', 'info',
  ]);
  const log = (): string => gw.process.stderr();
  await waitUntil(() => logLines(log(), 'connected').length === 1, { what: 'the first link to the bank' });

  bank.process.kill('SIGKILL');
  const failures = await waitUntil(() => {
    const lines = logLines(log(), 'connection failed');
    return lines.length >= FAILURES ? lines : undefined;
  }, { what: `${FAILURES} failed tries to link the bank again`, timeoutMs: 60_000 });
  // Every wait is within the longest the flags give (the default would have grown past it by the fourth).
  assert.deepEqual(failures.map((l) => l.code).filter((c) => c !== 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED'), []);
  assert.deepEqual(failures.map((l) => l.retryIn).filter((ms) => typeof ms !== 'number' || ms > MAX_DELAY), []);

  const again = startCli(['simulate-host', '--port', String(port)]);
  await again.waitForLine(/listening on/);
  await waitUntil(() => logLines(log(), 'connected').length === 2, {
    what: `the link again within ${BOUND} ms of the bank listening (--reconnect-max-delay ${MAX_DELAY})`,
    timeoutMs: BOUND,
  });

  // And it carries traffic again.
  const client = await PosClient.open(gw.pos.host, gw.pos.port);
  assert.equal((await client.request(purchase('RECONN01', 1, 100)))['39'], '00');
  await client.close();
  gw.process.kill('SIGTERM');
  assert.equal((await gw.process.exited).code, 0);
});
