/**
 * The card-data sweep of the PostgreSQL store: the real gateway with `--store` (a test cluster), card data in every
 * sensitive field (helpers/card-canaries.ts) through an approval, a timeout (its reversal in `iso8583_saf`), a
 * malformed answer, an advice stored and forwarded and one refused for its track data; then every row of every
 * `iso8583_*` table, `GET /transactions`, the log file and the output are read for it. Policy (docs/operations.md,
 * "Where card data is kept"): `iso8583_saf` holds the PAN of a reversal or advice, nothing else; every other table
 * and sink none of it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import { exitWithin, startGateway, stopAll } from './helpers/cli.js';
import { PAN, REVERSAL_JOURNAL, SWEEP_DIALECT, assertSinks, canaryMessage, folderSinks } from './helpers/card-canaries.js';
import type { Allowed, Sink } from './helpers/card-canaries.js';
import { packed, startRawBank } from './helpers/raw-bank.js';
import type { RawReply } from './helpers/raw-bank.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-sweep-pg-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** 1xx approve (every field echoed), 3xx silence, 4xx an answer whose field 4 is not digits; reversals and advices approved. */
function bankRule(request: IsoMessage): RawReply {
  const answer: IsoMessage = { ...request, '0': responseMti(String(request['0'])) ?? '0210', '39': '00' };
  const kind = Math.floor(Number(request['11']) / 100);
  if (!String(request['0']).startsWith('02') || String(request['0']) === '0220') return answer;
  if (kind === 3) return undefined;
  if (kind === 4) return Buffer.from(packed(answer).toString('latin1').replace('000000001000', '00000000ABCD'), 'latin1');
  return answer;
}

test('gateway --store: the SAF and transaction tables, GET /transactions and the log hold no card data beyond the policy', async (t) => {
  const cluster = await sharedPostgres();
  t.after(() => cluster.destroy());
  const url = cluster.createDatabase('sweep');
  const bank = await startRawBank(bankRule);
  after(() => bank.close());
  const dialectFile = join(work, 'sweep.json');
  writeFileSync(dialectFile, JSON.stringify(SWEEP_DIALECT));
  const journal = join(work, 'journal');
  const logFile = join(work, 'gateway.log');
  const gw = await startGateway([
    '--upstream', `127.0.0.1:${bank.port}`, '--store', url, '--reversal-journal', journal, '--dialect', dialectFile,
    '--log-file', logFile, '--log-level', 'trace', '--log-messages', '--request-timeout', '3000', '--reversal-retry-interval', '300',
  ]);
  const base = `http://${gw.http.host}:${gw.http.port}`;
  const sinks: Sink[] = [];
  const everything: Allowed = { PAN: 'echoed', PAN_EXTENDED: 'echoed', TRACK2: 'echoed', TRACK3: 'echoed', TRACK1: 'echoed', CARDHOLDER: 'echoed', CVV: 'echoed', PIN_BLOCK: 'echoed', EMV: 'echoed' };
  const post = async (name: string, path: string, message: IsoMessage): Promise<number> => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
    sinks.push({ name: `HTTP ${name} (${res.status})`, text: await res.text(), allowed: res.status === 200 ? everything : {} });
    return res.status;
  };
  assert.equal(await post('POST / approval', '/', canaryMessage(101)), 200);
  const failed = await Promise.all([post('POST / the bank silent', '/?timeout=1000', canaryMessage(301)), post('POST / a malformed answer', '/', canaryMessage(401))]);
  for (const status of failed) assert.ok(status >= 500, `a failure: ${status}`);
  const advice: IsoMessage = { '0': '0220', '2': PAN, '3': '000000', '4': '000000001000', '11': '000102', '41': 'SWEEP001', '49': '840' };
  assert.equal(await post('POST /?saf=true an advice', '/?saf=true', advice), 202);
  assert.equal(await post('POST /?saf=true an advice with track data', '/?saf=true', { ...canaryMessage(103), '0': '0220' }), 400);
  await waitUntil(() => [301, 401].every((s) => bank.received.some((m) => String(m['0']).startsWith('04') && Number(m['11']) === s))
    && bank.received.some((m) => String(m['0']) === '0220'), { what: 'the reversals and the advice at the bank', timeoutMs: 20_000, intervalMs: 50 });
  for (const path of ['/transactions?limit=1000', '/stats', '/metrics']) {
    const res = await fetch(`${base}${path}`);
    sinks.push({ name: `HTTP GET ${path} (${res.status})`, text: await res.text(), allowed: {} });
  }
  gw.process.kill('SIGTERM');
  await exitWithin(gw.process, 20_000, 'gateway stop');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'iso8583%'");
    const names = tables.rows.map((r) => r.table_name);
    assert.ok(names.includes('iso8583_saf') && names.includes('iso8583_transactions'), `tables: ${names.join(', ')}`);
    for (const name of names) {
      const rows = await client.query(`SELECT row_to_json(t)::text AS row FROM ${name} t`);
      const text = rows.rows.map((r: { row: string }) => r.row).join('\n');
      if (name === 'iso8583_transactions') assert.match(text, /476173\*{6}0010/, 'the transaction rows name the card masked');
      sinks.push({ name: `table ${name} (${rows.rowCount ?? 0} rows)`, text, allowed: name === 'iso8583_saf' ? REVERSAL_JOURNAL : {} });
    }
  } finally {
    await client.end();
  }
  sinks.push({ name: 'log file', text: readFileSync(logFile, 'utf8'), allowed: {} }, { name: 'stdout', text: gw.process.stdout(), allowed: {} }, { name: 'stderr', text: gw.process.stderr(), allowed: {} });
  if (existsSync(journal)) sinks.push(...folderSinks(journal, 'journal folder'));
  assertSinks(sinks);
});
