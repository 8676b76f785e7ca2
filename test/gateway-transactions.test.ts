/**
 * The transaction log end to end: the real `iso8583 gateway` records every purchase a POS client sends; `GET
 * /transactions?stan=...` on its HTTP port and `iso8583 transactions --stan ...` (from the folder, beside the running
 * gateway, and from its URL) find it with the PAN masked; no card data is in the stored bytes. The real binary reads
 * the folder and the URL once each; the other `transactions` lines of a test run in one process (`main` for each,
 * helpers/main-batch.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToEnd, startGateway, startSimulator, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';
import { runMainBatch } from './helpers/main-batch.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gwtx-'));
const journal = join(work, 'journal');
let gateway: CliProcess;
let pos: { host: string; port: number };
let http: string;

before(async () => {
  const bank = await startSimulator();
  const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', journal, '--log-level', 'warn']);
  gateway = gw.process;
  pos = gw.pos;
  http = `http://${gw.http.host}:${gw.http.port}`;
});

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

function transactions(args: string[]): ReturnType<typeof runToEnd> {
  return runToEnd(['transactions', ...args]);
}

/** Runs `iso8583 transactions` with each of `lines` in one process; resolves with their results in order. */
function transactionsBatch(...lines: string[][]): ReturnType<typeof runMainBatch> {
  return runMainBatch(lines.map((args) => ['transactions', ...args]));
}

interface Row {
  stan?: string;
  terminal?: string;
  pan?: string;
  outcome: string;
  responseCode?: string;
  amount?: string;
  mti: string;
  upstream: string;
}

describe('iso8583 gateway transaction log', () => {
  test('a purchase through the gateway is found by GET /transactions and iso8583 transactions, masked', async () => {
    const client = await PosClient.open(pos.host, pos.port);
    const answer = await client.request(purchase('TXTERM01', 618160, 4321, '5555555555554444'));
    assert.equal(answer['39'], '00');
    await client.request(purchase('TXTERM02', 618161, 1000));
    await client.close();

    const res = await fetch(`${http}/transactions?stan=618160`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { result: Row[]; errors: unknown[] };
    assert.deepEqual(body.errors, []);
    assert.equal(body.result.length, 1);
    const [row] = body.result;
    assert.equal(row?.stan, '618160');
    assert.equal(row?.terminal, 'TXTERM01');
    assert.equal(row?.pan, '555555******4444');
    assert.equal(row?.outcome, 'approved');
    assert.equal(row?.responseCode, '00');
    assert.equal(row?.amount, '000000004321');
    assert.equal(row?.mti, '0200');

    // From the folder, beside the running gateway (no lock taken), as JSON and as a table.
    const json = await transactions(['--journal-dir', journal, '--stan', '618160', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout) as Row[], body.result);
    const sources = [['--journal-dir', journal], ['--url', http]];
    const [table, ...firstPages] = await transactionsBatch(
      ['--journal-dir', journal, '--terminal', 'TXTERM01'],
      ...sources.map((source) => [...source, '--limit', '1', '--json']),
    );
    assert.ok(table !== undefined);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^TIME +MTI +STAN +TERMINAL/);
    assert.match(table.stdout, /0200 +618160 +TXTERM01 .*555555\*{6}4444 .*approved/);
    // From the running gateway's URL.
    const viaUrl = await transactions(['--url', http, '--stan', '618161', '--json']);
    assert.equal(viaUrl.code, 0, viaUrl.stderr);
    assert.deepEqual((JSON.parse(viaUrl.stdout) as Row[]).map((r) => r.terminal), ['TXTERM02']);
    // Newest first, both.
    const all = (await (await fetch(`${http}/transactions`)).json()) as { result: Row[] };
    assert.deepEqual(all.result.map((r) => r.stan), ['618161', '618160']);
    // A page at a time: a full page prints the cursor of the next on stderr, from the folder and from the URL.
    const cursors = firstPages.map((page1) => {
      assert.equal(page1.code, 0, page1.stderr);
      assert.deepEqual((JSON.parse(page1.stdout) as Row[]).map((r) => r.stan), ['618161']);
      const cursor = /next page: --before (\S+)/.exec(page1.stderr)?.[1];
      assert.ok(cursor !== undefined, page1.stderr);
      return cursor;
    });
    const secondPages = await transactionsBatch(...sources.map((source, i) => [...source, '--limit', '1', '--before', cursors[i] as string, '--json']));
    for (const page2 of secondPages) assert.deepEqual((JSON.parse(page2.stdout) as Row[]).map((r) => r.stan), ['618160']);

    const stored = readdirSync(journal)
      .filter((n) => n.startsWith('transactions-'))
      .map((n) => readFileSync(join(journal, n), 'utf8'))
      .join('');
    for (const secret of ['5555555555554444', '4111111111111111', '30121010000012345678']) assert.equal(stored.includes(secret), false);
  });

  test('a bad filter is answered 400 naming the parameter, and refused by the command naming the flag', async () => {
    for (const [query, parameter] of [['stan=12345678', 'stan'], ['from=yesterday', 'from'], ['from=2026-02-30', 'from'], ['to=2026-11-30T21:00:00', 'to'], ['limit=0', 'limit'], ['pan=4111', 'query']] as const) {
      const res = await fetch(`${http}/transactions?${query}`);
      assert.equal(res.status, 400, query);
      const body = (await res.json()) as { result: unknown; errors: { code: string; field?: string; message: string }[] };
      assert.equal(body.result, null);
      assert.equal(body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY');
      assert.equal(body.errors[0]?.field, parameter);
    }
    const [bad, missing] = await transactionsBatch(['--journal-dir', journal, '--from', 'yesterday'], ['--journal-dir', join(work, 'nowhere')]);
    assert.ok(bad !== undefined && missing !== undefined);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /ISO8583_ERR_CLI_OPTION: --from: must be ISO 8601/);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /ISO8583_ERR_CONNECTOR_TRANSACTION_LOG/);
  });

  test('the gateway keeps its log until it stops, then releases the folder', async () => {
    gateway.kill('SIGTERM');
    assert.equal((await gateway.exited).code, 0);
    assert.equal(readdirSync(journal).includes('transactions.lock'), false);
    const after = await transactions(['--journal-dir', journal, '--json']);
    assert.equal((JSON.parse(after.stdout) as Row[]).length, 2);
  });
});
