/**
 * A gateway start that fails after some of its upstream links are up (the real binary, real sockets, real journal
 * folders): the HTTP port taken by another listener while both upstreams of a group start. The start releases
 * everything it took and the process exits 1 with its coded error; every journal stays whole (a reversal pending in
 * one stays pending for the next start). The later upstream's link was left connected before, and the process never
 * exited (its journal locked meanwhile).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnector } from '@iso8583/connector';
import type { ConnectorOptions } from '@iso8583/connector';
import { exitWithin, startCli, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-failed-start-'));
const sockets = new Set<Socket>();
const servers: Server[] = [];

/** A listener on 127.0.0.1 port 0; `silent`: it takes connections and never answers (a bank that does not reply). */
async function listener(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { server, port: (server.address() as { port: number }).port };
}

after(async () => {
  await stopAll();
  // Also when an assertion failed first: an open listener would keep the process alive.
  for (const s of sockets) s.destroy();
  await Promise.all(servers.filter((server) => server.listening).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  rmSync(work, { recursive: true, force: true });
});

/** A connector on `journalDir` whose SAF entries wait an hour before their first attempt. */
function journalOnly(journalDir: string, port: number): ReturnType<typeof createConnector> {
  const options: ConnectorOptions = {
    name: 'b',
    host: '127.0.0.1',
    port,
    frame: 'binary2',
    reversal: { enabled: true },
    saf: { enabled: true, journalDir, initialDelay: 3_600_000 },
  };
  return createConnector(options);
}

test('gateway: a port in use while both upstreams of a group start: every link and journal released, exit 1 with the coded error, the pending reversal kept', async () => {
  const bank = await listener();
  const taken = await listener();
  const journal = join(work, 'journal');
  // A reversal an earlier run left pending in the second upstream's journal.
  const seed = journalOnly(join(journal, 'b'), bank.port);
  await seed.request({ 0: '0400', 2: '4111111111111111', 3: '000000', 4: '000000002500', 7: '1121103000', 11: '000777', 41: 'TERM0001', 49: '840' }, { saf: true });
  await seed.destroy();

  const up = `127.0.0.1:${bank.port}`;
  const gateway = startCli([
    'gateway', '--upstream', `a=${up}`, '--upstream', `b=${up}`, '--reversal-journal', journal,
    '--listen', '0', '--http', String(taken.port), '--log-level', 'info',
    // The reversal is sent to the bank that never answers, and still in flight when the start fails: a destroyed
    // connector waits for such an attempt up to twice the retry interval (saf-queue.ts), kept short here.
    '--reversal-retry-interval', '50',
  ]);
  const exit = await exitWithin(gateway, 15_000, 'the gateway whose --http port is in use');
  assert.equal(exit.code, 1, `exit code; stderr: ${gateway.stderr().slice(-1500)}`);
  assert.match(gateway.stderr(), new RegExp(`ISO8583_ERR_CLI_LISTEN: --http: cannot listen on 127\\.0\\.0\\.1:${taken.port} \\(EADDRINUSE\\)`));
  // The second upstream may or may not have finished connecting when the start fails: a connection still under way is
  // ended by the connector's destroy(), one connected is closed by it; either way the process exits and its journal is
  // released (below).

  // Its journal is free (no lock of a live process) and whole: the reversal is still pending for the next start.
  // (On a port nothing listens on: it sends nothing.)
  const next = journalOnly(join(journal, 'b'), 9);
  await next.started();
  assert.equal(next.stats().reversalsPending, 1, 'the reversal left pending is still in the journal');
  await next.destroy();
  for (const s of sockets) s.destroy();
  await Promise.all([bank, taken].map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))));
});
