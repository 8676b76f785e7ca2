// examples/fastify-app run directly with its HTTP port (or its POS port) taken: one clear line on stderr naming the
// port, exit 1; no uncaught stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';

const APP = join(repoRoot(), 'examples', 'dist', 'fastify-app.js');

/** A listener on 127.0.0.1 at any free port, holding it; its port. */
async function held(t: { after(fn: () => unknown): void }): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return (server.address() as { port: number }).port;
}

/** Runs the app with `env` added; its exit code, stdout and stderr. */
function runApp(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [APP], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

for (const which of ['HTTP_PORT', 'POS_PORT'] as const) {
  test(`fastify-app with its ${which} taken prints one line naming the port and exits 1`, async (t) => {
    const taken = await held(t);
    // The bank: a listener that accepts the connector's link and never answers (nothing is sent in this test).
    const bank = await held(t);
    const other: Record<string, string> = which === 'HTTP_PORT' ? { POS_PORT: '0' } : { HTTP_PORT: '0' };
    // The connector's reversal journal: a folder of the test's own, not the user's state folder.
    const journal = mkdtempSync(join(tmpdir(), 'fastify-app-port-taken-'));
    t.after(() => rmSync(journal, { recursive: true, force: true }));
    const r = await runApp({ [which]: String(taken), BANK_PORT: String(bank), JOURNAL_DIR: journal, ...other });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] as string, /^fastify-app: cannot start: .*EADDRINUSE/);
    assert.match(lines[0] as string, new RegExp(`127\\.0\\.0\\.1:${taken}\\b`), 'the line names the port');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}
