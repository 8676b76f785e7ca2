// `iso8583 transactions` run in-process over a real file store and a real HTTP route: a cursor refused, however, is
// the flag's error (ISO8583_ERR_CLI_OPTION naming --before), and the table prints whatever a gateway answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Fastify from 'fastify';
import { FileTransactionLog, transactionRoute } from '@iso8583/connector';
import type { TransactionRecord } from '@iso8583/connector';
import { transactionTable, transactionsCommand } from '../src/commands/transactions.js';

const AT = Date.UTC(2026, 11, 1, 6, 0, 0);
const record = (stan: string): TransactionRecord => ({ at: AT, node: 'n', upstream: 'bank', mti: '0200', latencyMs: 3, outcome: 'approved', stan });

function io(): { stdin: PassThrough; stdout: PassThrough; stderr: PassThrough; text: () => string; errText: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  stderr.on('data', (c: Buffer) => errChunks.push(c));
  return { stdin: new PassThrough(), stdout, stderr, text: () => Buffer.concat(chunks).toString('utf8'), errText: () => Buffer.concat(errChunks).toString('utf8') };
}

async function folder(t: { after(fn: () => unknown): void }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-transactions-command-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = new FileTransactionLog(dir, { flushDelay: 0 });
  await log.open();
  await Promise.all(['000001', '000002'].map((s) => log.record(record(s))));
  await log.close();
  return dir;
}

const optionBefore = (err: unknown): boolean => {
  const e = err as { code?: string; field?: string };
  assert.equal(e.code, 'ISO8583_ERR_CLI_OPTION', String(err));
  assert.equal(e.field, '--before');
  return true;
};

test('transactions – a cursor that is malformed, of another store or out of range is ISO8583_ERR_CLI_OPTION naming --before, from a folder and over HTTP', async (t) => {
  const dir = await folder(t);
  const app = Fastify();
  const log = new FileTransactionLog(dir, { readOnly: true });
  await log.open();
  transactionRoute(app, '/transactions', () => log);
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(async () => {
    await app.close();
    await log.close();
  });
  const address = app.server.address() as { port: number };
  for (const source of [['--journal-dir', dir], ['--url', `http://127.0.0.1:${address.port}`]]) {
    for (const before of ['not a cursor', 'x_1_2', 'p_1_2', 'f_99999999999999999999_1', 'f_1_99999999999999999999']) {
      await assert.rejects(transactionsCommand([...source, '--before', before], io()), optionBefore, `${source[0]} ${before}`);
    }
    const out = io();
    assert.equal(await transactionsCommand([...source, '--limit', '1'], out), 0);
    assert.match(out.text(), /000002/);
  }
});

test('transactions – a --terminal longer than field 41 (8) or an --rrn longer than 37 (12) is refused naming the flag: no record could match', async (t) => {
  const dir = await folder(t);
  const refused = (flag: string) => (err: unknown): boolean => {
    const e = err as { code?: string; field?: string; message?: string };
    assert.equal(e.code, 'ISO8583_ERR_CLI_OPTION', String(err));
    assert.equal(e.field, flag);
    assert.match(String(e.message), flag === '--terminal' ? /1 to 8 / : /1 to 12 /);
    return true;
  };
  await assert.rejects(transactionsCommand(['--journal-dir', dir, '--terminal', 'TERM00001'], io()), refused('--terminal'));
  await assert.rejects(transactionsCommand(['--journal-dir', dir, '--terminal', 'T'.repeat(16)], io()), refused('--terminal'));
  await assert.rejects(transactionsCommand(['--journal-dir', dir, '--rrn', '1234567890123'], io()), refused('--rrn'));
  // 8 characters, a Latin-1 letter among them, is a filter (no record of that terminal: an empty table).
  const out = io();
  assert.equal(await transactionsCommand(['--journal-dir', dir, '--terminal', 'TÉST0001'], out), 0);
  assert.doesNotMatch(out.text(), /000001/);
});

test('transactions – the table prints a record with values missing or damaged as empty cells', () => {
  const damaged = [{ at: 9e18, outcome: 'approved' }, { mtk: '0200', at: AT, latencyMs: 'x' }, record('000003')] as unknown as TransactionRecord[];
  const table = transactionTable(damaged).split('\n');
  assert.match(table[0] as string, /^TIME +MTI +STAN/);
  assert.match(table[1] as string, /^ +approved/);
  assert.match(table[3] as string, /^2026-12-01T06:00:00.000Z +0200 +000003/);
});

test('transactions --url never prints a full PAN, a key a record cannot hold or a control character a gateway answered', async (t) => {
  const app = Fastify();
  // An answer no gateway of this project gives (an older one, another service at that address): the PAN in full,
  // track 2 under a key of its own, an escape sequence in a value; once in a valid record, once in a damaged one.
  const valid = { ...record('000001'), pan: '4111111111111111', track2: '4111111111111111=3012', terminal: 'T1' };
  const damaged = { at: AT, outcome: 'approved', stan: '000002', pan: '5500000000000004', track2: '5500000000000004=3012', terminal: 'T2\u001b[2J' };
  app.get('/transactions', async () => ({ result: [valid, damaged], next: 'f_1_2\u001b[2J' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  for (const json of [false, true]) {
    const out = io();
    assert.equal(await transactionsCommand(['--url', url, ...(json ? ['--json'] : [])], out), 0);
    const text = out.text();
    assert.match(text, /411111\*{6}1111/);
    assert.match(text, /550000\*{6}0004/);
    assert.doesNotMatch(text, /4111111111111111|5500000000000004|=3012|track2/, json ? 'JSON' : 'table');
    if (!json) assert.ok(!text.includes('\u001b'), 'no escape character in the table');
    assert.equal(out.errText(), 'next page: --before f_1_2?[2J\n', 'no escape character in the cursor on stderr');
  }
});

test('transactions --url: a refusal\'s code is passed through only in this project\'s form, its text without control characters', async (t) => {
  const app = Fastify();
  app.get('/a/transactions', async (_req, reply) => reply.code(400).send({ error: { code: 'BAD\u001b[31m', message: 'no' } }));
  app.get('/b/transactions', async (_req, reply) =>
    reply.code(400).send({ error: { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', message: 'no\u001b[2J\r\nforged line', field: 'x\u0007' } }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  await assert.rejects(transactionsCommand(['--url', `${url}/a`], io()), (err: { code?: string; message: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG');
    assert.match(err.message, /answered HTTP 400 without a coded error/);
    return true;
  });
  await assert.rejects(transactionsCommand(['--url', `${url}/b`], io()), (err: { code?: string; message: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG');
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u0000-\u001f\u007f]/.test(err.message), JSON.stringify(err.message));
    assert.match(err.message, /answered HTTP 400: no\?\[2J\?\?forged line$/);
    return true;
  });
});

test('transactions from a folder with no day file warns ISO8583_WARN_TRANSACTIONS_NO_FILES (an empty table is no proof); one with day files does not', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'iso8583-transactions-empty-'));
  t.after(() => rmSync(empty, { recursive: true, force: true }));
  const out = io();
  assert.equal(await transactionsCommand(['--journal-dir', empty], out), 0);
  assert.match(out.errText(), /^iso8583: warning: ISO8583_WARN_TRANSACTIONS_NO_FILES: --journal-dir \S+ holds no transaction log file .*--store/);
  const full = io();
  assert.equal(await transactionsCommand(['--journal-dir', await folder(t)], full), 0);
  assert.equal(full.errText(), '', 'no warning beside day files');
  assert.match(full.text(), /000002/);
});

test('transactions – a damaged line of a folder is skipped with ISO8583_WARN_TRANSACTION_LOG_CORRUPT on stderr, its file and offset, no value (rv67h F3)', async (t) => {
  const dir = await folder(t);
  const file = join(dir, 'transactions-2026-12-01.jsonl');
  // A 13-digit amount: a line the store refuses on read (`toTransactionRecord`).
  appendFileSync(file, `${JSON.stringify({ ...record('000124'), amount: '0000000010001', pan: '411111******1111' })}\n`);
  const out = io();
  assert.equal(await transactionsCommand(['--journal-dir', dir], out), 0);
  assert.match(out.text(), /000002/);
  assert.doesNotMatch(out.text(), /000124/);
  const warnings = out.errText().split('\n').filter((line) => line.includes('ISO8583_WARN_TRANSACTION_LOG_CORRUPT'));
  assert.equal(warnings.length, 1, out.errText());
  assert.match(warnings[0]!, /^iso8583: warning: ISO8583_WARN_TRANSACTION_LOG_CORRUPT: a line of the transaction log .*\(file .*transactions-2026-12-01\.jsonl, offset \d+\)$/);
  assert.ok(!/000124|0000000010001|411111/.test(out.errText()), out.errText());
});
