/**
 * A listening port that is already taken: every command that listens stops at once with ISO8583_ERR_CLI_LISTEN naming
 * its flag, exits non-zero, and leaves nothing behind (no listener of its own, no journal folder). The commands share
 * nothing but the taken port, so they run side by side.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { exitWithin, startCli, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-ports-'));
let taken: Server;
let port: number;
/** A listener standing for the gateway's bank: it accepts connections (another port than the taken one, which a gateway refuses as its own POS listener's when they are the same). */
let bank: Server;
let bankPort: number;

before(async () => {
  taken = createServer();
  bank = createServer();
  await Promise.all([taken, bank].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  port = (taken.address() as { port: number }).port;
  bankPort = (bank.address() as { port: number }).port;
});

after(async () => {
  await stopAll();
  await Promise.all([taken, bank].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  rmSync(work, { recursive: true, force: true });
});

/** Runs `iso8583 <args>` and expects the listen error naming `flag`, within 30 s (a deadline that reports a command that never stops, not a timing: a loaded machine took 15 s). */
async function refused(args: string[], flag: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const p = startCli(args, { env });
  const exit = await exitWithin(p, 30_000, `iso8583 ${args[0]} with ${flag} in use`);
  assert.equal(exit.code, 1, `exit code; stderr: ${p.stderr()}`);
  assert.match(p.stderr(), new RegExp(`ISO8583_ERR_CLI_LISTEN: ${flag}: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
  return p.stdout();
}

describe('a port in use', { concurrency: true }, () => {
  test('iso8583 demo --http: coded error, exit 1, its bank stopped and no /tmp/iso8583-demo-* folder left', async () => {
    const tmp = mkdtempSync(join(work, 'tmp-'));
    const stdout = await refused(['demo', '--once', '--http', String(port)], '--http', { TMPDIR: tmp });
    assert.match(stdout, /bank \(host simulator\) listening/, 'the bank had started before the gateway failed');
    assert.deepEqual(readdirSync(tmp), [], 'nothing is left in the temporary folder');
  });

  test('iso8583 demo --listen: coded error naming --listen, nothing left', async () => {
    const tmp = mkdtempSync(join(work, 'tmp-'));
    await refused(['demo', '--once', '--listen', String(port)], '--listen', { TMPDIR: tmp });
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('iso8583 gateway --listen, --http and --metrics: each a coded error naming the flag', async () => {
    // The upstream: a listener that accepts connections (the refusal is the listen, not the bank).
    const common = ['gateway', '--upstream', `127.0.0.1:${bankPort}`, '--log-level', 'silent'];
    await Promise.all([
      refused([...common, '--reversal-journal', join(work, 'journal-listen'), '--listen', String(port), '--http', '0'], '--listen'),
      refused([...common, '--reversal-journal', join(work, 'journal-http'), '--listen', '0', '--http', String(port)], '--http'),
      refused([...common, '--reversal-journal', join(work, 'journal-metrics'), '--listen', '0', '--http', '0', '--metrics', String(port)], '--metrics'),
    ]);
  });

  test('iso8583 run: an inbound endpoint or the HTTP port in use is a coded error naming its path in the flow file', async () => {
    const sequence = join(repoRoot(), 'examples', 'dist', 'sequences', 'authorise.js');
    const pos = join(work, 'pos-taken.json');
    writeFileSync(pos, JSON.stringify({ inboundEndpoints: { pos: { port, sequence } } }));
    await refused(['run', pos], '/inboundEndpoints/pos/port');
    const http = join(work, 'http-taken.json');
    writeFileSync(http, JSON.stringify({ inboundEndpoints: { pos: { port: 0, sequence } }, http: { port } }));
    await refused(['run', http], '/http/port');
  });

  test('iso8583 simulate-host --port: coded error naming --port', async () => {
    await refused(['simulate-host', '--port', String(port)], '--port');
  });
});
