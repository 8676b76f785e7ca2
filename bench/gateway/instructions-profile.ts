/**
 * The self instructions of a callgrind file by function (gateway/instructions.ts keeps them with `BENCH_INSN_KEEP`),
 * compiled JavaScript named from the gateway's perf map (`BENCH_INSN_PERF_MAP=1`: `/tmp/perf-<pid>.map`, which
 * callgrind does not read: it names such code by its address), the largest first, as shares of the file's total and
 * per transaction.
 *
 * Run: `node bench/dist/gateway/instructions-profile.js /tmp/cg/cg.this.0.<pid>.out.2 [/tmp/perf-<pid>.map] [N] [TOP]`
 * (N: the transactions the file holds, default 5000; TOP: the rows printed, default 60).
 */
import { readFileSync } from 'node:fs';
import { readCallgrind } from './callgrind-file.js';

const [file, mapFile, count = '5000', top = '60'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: instructions-profile.js CALLGRIND_FILE [PERF_MAP] [N] [TOP]');

/** The perf map's ranges, in the order written: compiled code and its name. */
const ranges: { start: number; end: number; name: string }[] = [];
if (mapFile !== undefined) {
  for (const line of readFileSync(mapFile, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m !== null) ranges.push({ start: parseInt(m[1] as string, 16), end: parseInt(m[1] as string, 16) + parseInt(m[2] as string, 16), name: m[3] as string });
  }
}

/**
 * The perf map's name of an address, else the address: the last range written that holds it (the engine reuses the
 * space of code it let go, so an address may have held several functions over the process's life; the measured phase
 * comes last).
 */
function nameAt(address: string): string {
  const at = parseInt(address, 16);
  for (let i = ranges.length - 1; i >= 0; i--) {
    const r = ranges[i] as (typeof ranges)[number];
    if (r.start <= at && at < r.end) return r.name;
  }
  return address;
}

const { total, self } = readCallgrind(file);

const N = Number(count);
const rows = new Map<string, number>();
for (const [raw, cost] of self) {
  const name = /^0x[0-9a-f]+$/.test(raw) ? nameAt(raw) : raw;
  rows.set(name, (rows.get(name) ?? 0) + cost);
}
console.log(`${total.toLocaleString('en-US')} instructions, ${Math.round(total / N).toLocaleString('en-US')} a transaction (${N})`);
for (const [name, cost] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
  console.log(`${((cost / total) * 100).toFixed(2).padStart(6)}%  ${Math.round(cost / N).toString().padStart(7)}  ${name.slice(0, 150)}`);
}
