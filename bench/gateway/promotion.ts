/**
 * Bytes the scavenger promoted to old space, counted inside a process: loaded with `--import` (the gateway cost
 * benchmark, bench/gateway-cost.bench.ts, loads it into the gateway), it follows every garbage collection with
 * `v8.GCProfiler` and, on SIGUSR2, prints one stdout line `[promotion PID] #K promoted BYTES scavenges N` (K counts the
 * reports from 1) with the totals since it was loaded. A promoted byte is one a young-generation collection could not free: a later mark-compact pays
 * for it, so a gateway that promotes more per transaction costs more CPU per transaction and has longer pauses.
 *
 * Promoted here: what a scavenge added to `old_space` and `large_object_space` (the young generation's large objects
 * move there whole), measured from the heap spaces' used sizes right before and after it.
 */
import { GCProfiler } from 'node:v8';

/** The heap spaces a scavenge promotes into. */
const OLD = new Set(['old_space', 'large_object_space']);

interface SpaceStats {
  spaceName: string;
  spaceUsedSize: number;
}
interface GcEntry {
  gcType: string;
  beforeGC: { heapSpaceStatistics: SpaceStats[] };
  afterGC: { heapSpaceStatistics: SpaceStats[] };
}

/** Used bytes of the old spaces in one snapshot. */
function oldBytes(spaces: SpaceStats[]): number {
  let n = 0;
  for (const s of spaces) if (OLD.has(s.spaceName)) n += s.spaceUsedSize;
  return n;
}

/** Bytes promoted by the scavenges among `entries`, and how many scavenges there were. */
export function promotedBy(entries: readonly GcEntry[]): { bytes: number; scavenges: number } {
  let bytes = 0;
  let scavenges = 0;
  for (const e of entries) {
    if (e.gcType !== 'Scavenge') continue;
    scavenges++;
    bytes += Math.max(0, oldBytes(e.afterGC.heapSpaceStatistics) - oldBytes(e.beforeGC.heapSpaceStatistics));
  }
  return { bytes, scavenges };
}

/** The stdout line a SIGUSR2 prints (the benchmark and its test read it with this). */
export const PROMOTION_LINE = /\[promotion (\d+)\] #(\d+) promoted (\d+) scavenges (\d+)/;

// Loaded with --import: count from now on. Imported by the benchmark for its helpers: nothing runs.
if (process.env.BENCH_PROMOTION === '1') {
  let profiler = new GCProfiler();
  profiler.start();
  let total = { bytes: 0, scavenges: 0 };
  let reports = 0;
  process.on('SIGUSR2', () => {
    // stop() hands over the collections so far; a new profiler follows the next ones (a profiler starts once).
    const seen = promotedBy((profiler.stop() as unknown as { statistics: GcEntry[] }).statistics);
    profiler = new GCProfiler();
    profiler.start();
    total = { bytes: total.bytes + seen.bytes, scavenges: total.scavenges + seen.scavenges };
    reports++;
    process.stdout.write(`[promotion ${process.pid}] #${reports} promoted ${total.bytes} scavenges ${total.scavenges}\n`);
  });
}
