/**
 * The gateway cost guard (bench/gateway-cost.bench.ts) must catch a gateway that costs more per transaction than the
 * baseline pinned in the repository: its verdict fails a figure worse than the baseline by more than the margin and
 * passes one within it; the baseline names the machine and the commit it was measured on; and its promotion counter
 * (bench/gateway/promotion.ts), loaded into the real `iso8583 gateway` as the benchmark loads it, reports the bytes
 * the gateway's scavenges promoted to old space while it relays purchases. No sleeps: the gateway's reports are read
 * by their sequence number, and purchases go on until a scavenge was counted (a deadline fails the test).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { repoRoot } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const bench = join(repoRoot(), 'bench', 'dist', 'gateway');
const work = mkdtempSync(join(tmpdir(), 'iso8583-cost-guard-'));

interface Figures {
  cpuUsPerTx: number;
  promotedBytesPerTx: number;
}
interface Baseline {
  commit: string;
  machine: Record<string, unknown>;
  figures: Figures;
  margins: Figures;
}
const guard = (await import(pathToFileURL(join(bench, 'cost-guard.js')).href)) as {
  readBaseline(): Baseline;
  verdicts(run: Figures, baseline: Baseline): { name: string; met: boolean }[];
};
const promotion = (await import(pathToFileURL(join(bench, 'promotion.js')).href)) as {
  PROMOTION_LINE: RegExp;
  promotedBy(entries: unknown[]): { bytes: number; scavenges: number };
};

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test('the pinned baseline names its commit and machine, and has a margin above zero for each figure', () => {
  const b = guard.readBaseline();
  assert.match(b.commit, /^[0-9a-f]{40}(-dirty)?$/);
  for (const fact of ['cpuModel', 'cores', 'memoryGiB', 'node', 'kernel']) assert.ok(b.machine[fact] !== undefined, fact);
  for (const name of ['cpuUsPerTx', 'promotedBytesPerTx'] as const) {
    assert.ok(b.figures[name] > 0, name);
    assert.ok(b.margins[name] > 0 && b.margins[name] < 1, name);
  }
});

test('the verdict fails each figure worse than its baseline by more than its margin, and passes one within it', () => {
  const b = guard.readBaseline();
  const scaled = (by: (name: keyof Figures) => number): Figures => ({
    cpuUsPerTx: b.figures.cpuUsPerTx * by('cpuUsPerTx'),
    promotedBytesPerTx: b.figures.promotedBytesPerTx * by('promotedBytesPerTx'),
  });
  assert.deepEqual(guard.verdicts(scaled(() => 1), b).map((v) => v.met), [true, true]);
  assert.deepEqual(guard.verdicts(scaled((n) => 1 + b.margins[n] * 0.9), b).map((v) => v.met), [true, true]);
  // A doubled CPU per transaction (what went unseen before the guard) fails; so does one just past the margin.
  assert.deepEqual(guard.verdicts({ ...b.figures, cpuUsPerTx: b.figures.cpuUsPerTx * 2 }, b).map((v) => [v.name, v.met]), [['cpuUsPerTx', false], ['promotedBytesPerTx', true]]);
  assert.deepEqual(guard.verdicts(scaled((n) => 1 + b.margins[n] * 1.1), b).map((v) => v.met), [false, false]);
  assert.deepEqual(guard.verdicts({ ...b.figures, promotedBytesPerTx: Number.NaN }, b).map((v) => v.met), [true, false]);
});

test('promotedBy counts what the scavenges of a process moved to old space', () => {
  // In a child node without allocation-site pretenuring: with it, V8 soon allocates objects from a site whose objects
  // survive straight into old space, never promoted by a scavenge (a fresh machine once counted 3.8 MB of the 6.4 MB
  // this keeps): the count would then depend on when V8 decided, not on promotedBy.
  const script = `
    import { GCProfiler } from 'node:v8';
    const { promotedBy } = await import(${JSON.stringify(pathToFileURL(join(bench, 'promotion.js')).href)});
    const profiler = new GCProfiler();
    profiler.start();
    // 200,000 objects kept alive while young collections run: they survive two scavenges and are promoted.
    const kept = [];
    for (let i = 0; i < 200000; i++) kept.push({ n: i, s: [i] });
    for (let i = 0; i < 2000000; i++) void [i, i + 1];
    const seen = promotedBy(profiler.stop().statistics);
    process.stdout.write(JSON.stringify({ ...seen, kept: kept.length }));
  `;
  const out = execFileSync(process.execPath, ['--no-allocation-site-pretenuring', '--input-type=module', '-e', script], { encoding: 'utf8' });
  const seen = JSON.parse(out) as { bytes: number; scavenges: number; kept: number };
  assert.equal(seen.kept, 200_000);
  assert.ok(seen.scavenges > 0, `scavenges ${seen.scavenges}`);
  // Each kept object is at least 16 bytes (a header and a field) and its array at least 16 more.
  assert.ok(seen.bytes >= 200_000 * 32, `promoted ${seen.bytes} bytes`);
});

test('the gateway with the promotion counter loaded reports the bytes its scavenges promoted', async () => {
  const bank = await startSimulator(['--balance', '999999999999']);
  const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', join(work, 'journal'), '--no-transaction-log'], {
    env: { NODE_OPTIONS: `--import ${join(bench, 'promotion.js')}`, BENCH_PROMOTION: '1' },
  });
  let reports = 0;
  const report = async (): Promise<{ bytes: number; scavenges: number }> => {
    reports += 1;
    gw.process.kill('SIGUSR2');
    const m = await gw.process.waitForLine(new RegExp(`\\[promotion \\d+\\] #${reports} promoted (\\d+) scavenges (\\d+)`), 10_000);
    return { bytes: Number(m[1]), scavenges: Number(m[2]) };
  };
  const first = await report();
  const pos = await PosClient.open(gw.pos.host, gw.pos.port);
  try {
    const deadline = Date.now() + 60_000;
    let stan = 0;
    let now = first;
    // Purchases until the gateway's collections promoted something (its connections and journal live long).
    while (now.bytes === first.bytes || now.scavenges === first.scavenges) {
      assert.ok(Date.now() < deadline, `no promotion reported after ${stan} purchases: ${JSON.stringify(now)}`);
      for (let i = 0; i < 200; i++) {
        stan += 1;
        assert.equal((await pos.request(purchase('COSTG001', stan, 100)))['39'], '00');
      }
      now = await report();
    }
    assert.ok(now.bytes > first.bytes && now.scavenges > first.scavenges);
    assert.match(gw.process.stdout(), promotion.PROMOTION_LINE);
  } finally {
    await pos.close();
  }
});
