// `iso8583 transactions` output paths: the --json text escapes C1 controls (a CSI, U+009B, from a gateway never reaches
// the terminal raw), and a stderr whose reader went away (the "next page" line) is a failure, not a quiet exit 0 (a
// real HTTP server, the real binary and real pipes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import Fastify from 'fastify';
import type { TransactionRecord } from '@iso8583/connector';
import { transactionsCommand } from '../src/commands/transactions.js';
import { BIN } from './cli-process.js';

const AT = Date.UTC(2026, 11, 1, 6, 0, 0);
const record = (stan: string, terminal: string): TransactionRecord => ({ at: AT, node: 'n', upstream: 'bank', mti: '0200', latencyMs: 3, outcome: 'approved', stan, terminal });

async function gateway(t: { after(fn: () => unknown): void }, next?: string): Promise<string> {
  const app = Fastify();
  app.get('/transactions', async () => ({ result: [record('000001', 'T1\u009b2J\u0085\u007f')], ...(next === undefined ? {} : { next }) }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

test('transactions --json writes DEL and C1 controls (a CSI from a gateway) as \\u escapes: valid JSON, the same value', async (t) => {
  const url = await gateway(t);
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  assert.equal(await transactionsCommand(['--url', url, '--json'], { stdin: new PassThrough(), stdout, stderr: new PassThrough() }), 0);
  const text = Buffer.concat(chunks).toString('utf8');
  assert.doesNotMatch(text, /[\u007f-\u009f]/, 'no raw DEL or C1 control in the JSON text');
  assert.match(text, /\\u009b/);
  const parsed = JSON.parse(text) as Array<{ terminal?: string }>;
  assert.equal(parsed[0]?.terminal, 'T1\u009b2J\u0085\u007f');
});

test('transactions whose stderr reader went away (the next-page line: EPIPE) fails with exit 1, not a quiet 0', async (t) => {
  const url = await gateway(t, 'f_1_2');
  const child = spawn(process.execPath, [BIN, 'transactions', '--url', url], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill());
  const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdout.resume();
  // The reader of stderr is gone before the command writes there.
  child.stderr.destroy();
  assert.equal(await ended, 1);
});
