/**
 * Runs `codec-instructions.js` under callgrind at several heap offsets (its `pad=K`) and prints the instructions an
 * operation of each, the lower mode (the median of the counts within 1% of the lowest) and the spread (highest over
 * lowest). A count can sit in one of two modes by heap layout alone (the unpack once read 6,453 or 6,978 for the same
 * code, by one unrelated allocation): judge a change by the lower mode of both builds, with the spread beside it.
 *
 *   node bench/dist/codec-instructions-modes.js ours pack 20000 [no55]
 *
 * Needs valgrind. Takes about 20 s an offset on a quiet 2-core machine (run it under the machine's heavy lock). The
 * options of each run are those of `codec-instructions.ts`'s header (one thread, fixed seeds: every offset repeats
 * its own count exactly from run to run).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The heap offsets counted at (`pad=K` of `codec-instructions.ts`). */
const PADS = [0, 1, 2, 3, 5, 8, 13];

/** Counts within this share of the lowest belong to the lower mode. */
const MODE_WIDTH = 0.01;

const args = process.argv.slice(2);
const N = Number(args[2] ?? '100000');
const bench = fileURLToPath(new URL('./codec-instructions.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'codec-instructions-'));

/** Instructions an operation at heap offset `pad`: the total of callgrind's second dump (the measured run) over N. */
function countAt(pad: number): number {
  const out = join(dir, `cg.${pad}.out`);
  const run = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--dump-before=uv_getrusage',
      `--callgrind-out-file=${out}`,
      process.execPath,
      '--predictable',
      '--random-seed=1',
      '--hash-seed=1',
      bench,
      ...args,
      `pad=${pad}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`valgrind at pad=${pad} exited with ${run.status ?? run.signal}: ${run.stderr.slice(-400)}`);
  const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(`${out}.2`, 'utf8'));
  if (totals === null) throw new Error(`no totals in ${out}.2`);
  return Number(totals[1]) / N;
}

try {
  const counts: number[] = [];
  for (const pad of PADS) {
    const count = countAt(pad);
    counts.push(count);
    console.log(`pad=${String(pad).padEnd(3)} ${count.toFixed(1)} instructions an operation`);
  }
  const low = Math.min(...counts);
  const lower = counts.filter((c) => c <= low * (1 + MODE_WIDTH)).sort((a, b) => a - b);
  const mode = lower[Math.floor(lower.length / 2)]!;
  const spread = (Math.max(...counts) / low - 1) * 100;
  console.log(
    `${args.join(' ')}: lower mode ${mode.toFixed(0)} instructions an operation (${lower.length} of ${counts.length} offsets), ` +
      `spread ${spread.toFixed(2)}%`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
