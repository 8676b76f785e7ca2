// The real binary on PostgreSQL: a gateway's reversal left pending in the store (its bank never answered) is never sent
// to another bank. A gateway started on the same store pointed at another bank is refused, naming the store key, both
// upstreams and how to resolve, and that bank gets nothing (it used to get `0401 STAN 000777`, PAN and all). A
// gateway with `--no-reversal` over the pending row is refused too (it used to start, never send it, and stop with
// `safLeft: {reversals: 0}`). Back at its own bank, the reversal is sent there.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { exitWithin, startCli, startGateway, stopAll } from './helpers/cli.js';
import { startBank } from './helpers/silent-bank.js';
import type { SilentBank } from './helpers/silent-bank.js';

let cluster: PostgresCluster;
const work = mkdtempSync(join(tmpdir(), 'gw-store-other-'));
before(async () => {
  cluster = await sharedPostgres();
});
after(async () => {
  await stopAll();
  cluster.destroy();
  rmSync(work, { recursive: true, force: true });
});

/** The reversals (040x) of STAN 000777 that `bank` got. */
const reversalsAt = (bank: SilentBank): number => bank.seen.filter((s) => String(s.message['0']).startsWith('040') && s.message['11'] === '000777').length;

test('a pending reversal in the store reaches its own bank only: another bank\'s gateway and --no-reversal are refused', async () => {
  const url = cluster.createDatabase('gw_store_other_upstream');
  const bankA = await startBank();
  const bankB = await startBank();
  try {
    const flags = (port: number, dir: string): string[] => ['--upstream', `127.0.0.1:${port}`, '--store', url, '--request-timeout', '300',
      '--reversal-retry-interval', '200', '--echo-interval', '0', '--log-level', 'warn', '--shutdown-deadline', '1000', '--reversal-journal', join(work, dir)];
    const a = await startGateway(flags(bankA.port, 'a'));
    const res = await fetch(`http://${a.http.host}:${a.http.port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1121103000', '11': '000777', '41': 'TERMA001', '49': '840' }),
    });
    await res.text();
    assert.equal(res.status, 504);
    await waitUntil(() => reversalsAt(bankA) > 0, { what: 'bank A to get the 0400' });
    a.process.kill('SIGTERM');
    await exitWithin(a.process, 20_000, 'gateway A stop');

    const b = startCli(['gateway', '--listen', '0', '--http', '0', ...flags(bankB.port, 'b')]);
    const bExit = await exitWithin(b, 20_000, 'gateway B refused');
    assert.equal(bExit.code, 1, b.stderr());
    assert.match(b.stderr(), /ISO8583_ERR_CONNECTOR_OPTIONS/);
    assert.match(b.stderr(), /under the key "upstream" for the upstream 127\.0\.0\.1:\d+/);
    assert.ok(b.stderr().includes(`127.0.0.1:${bankA.port}`) && b.stderr().includes(`not 127.0.0.1:${bankB.port}`), b.stderr());
    assert.doesNotMatch(b.stderr() + b.stdout(), /4111111111111111/);
    assert.equal(reversalsAt(bankB), 0, 'bank B never got bank A\'s reversal');

    const before = reversalsAt(bankA);
    const off = startCli(['gateway', '--listen', '0', '--http', '0', '--upstream', `127.0.0.1:${bankA.port}`, '--store', url, '--request-timeout', '300',
      '--echo-interval', '0', '--log-level', 'warn', '--shutdown-deadline', '1000', '--no-reversal']);
    const offExit = await exitWithin(off, 20_000, 'gateway --no-reversal refused');
    assert.equal(offExit.code, 1, off.stderr());
    assert.match(off.stderr(), /--no-reversal: reversal and SAF are off, and the store postgresql:\/\/\S+ holds 1 entries an earlier run left unsent \(1 reversals owed\) under the keys "upstream"/);
    assert.equal(reversalsAt(bankA), before);

    // Back at bank A, with reversal on: the reversal goes there.
    bankA.answer();
    const again = await startGateway(flags(bankA.port, 'a'));
    await waitUntil(() => reversalsAt(bankA) > before, { what: 'bank A to get the reversal again' });
    again.process.kill('SIGTERM');
    await exitWithin(again.process, 20_000, 'gateway A again stop');
    assert.equal(reversalsAt(bankB), 0);
  } finally {
    await bankA.close();
    await bankB.close();
  }
});
