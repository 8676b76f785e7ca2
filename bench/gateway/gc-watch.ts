/**
 * What makes a gateway's latency tail, seen from inside the process: loaded into a gateway with `--import` (the
 * gateway benchmark and ab.ts do it when `BENCH_GC_WATCH` is set), it prints to stderr, every `BENCH_GC_WATCH`
 * milliseconds, the garbage collections of that window by kind (count, total and longest pause, from
 * PerformanceObserver 'gc'), the event loop's delay (p50, p99, max, from monitorEventLoopDelay) and the cores of CPU
 * the process used (every thread, `process.cpuUsage`). A scavenge pause
 * or an event-loop stall is time every request in flight waits; the client sees it in its p99.
 */
import { PerformanceObserver, constants, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { clock } from './paced-watch.js';

const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental-marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};

interface Pauses {
  count: number;
  ms: number;
  max: number;
}

let window = new Map<string, Pauses>();
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
    const p = window.get(kind) ?? { count: 0, ms: 0, max: 0 };
    p.count += 1;
    p.ms += entry.duration;
    p.max = Math.max(p.max, entry.duration);
    window.set(kind, p);
  }
}).observe({ entryTypes: ['gc'] });

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
const ms = (ns: number): string => (ns / 1e6).toFixed(1);
const every = Number(process.env.BENCH_GC_WATCH) > 0 ? Number(process.env.BENCH_GC_WATCH) : 5_000;
/** The process's CPU (user + system, every thread: the event loop, the collector's helpers, the thread pool) so far. */
let cpu = process.cpuUsage();
let cpuAt = performance.now();
setInterval(() => {
  const used = process.cpuUsage(cpu);
  const cores = (used.user + used.system) / 1000 / Math.max(1, performance.now() - cpuAt);
  cpu = process.cpuUsage();
  cpuAt = performance.now();
  const gcs = [...window].map(([kind, p]) => `${kind} ${p.count}x ${p.ms.toFixed(0)} ms (max ${p.max.toFixed(1)})`).join(', ');
  process.stderr.write(
    `[gc-watch ${process.pid} ${clock()}] gc: ${gcs || 'none'}; event-loop delay p50 ${ms(delay.percentile(50))} p99 ${ms(delay.percentile(99))} ` +
      `max ${ms(delay.max)} ms; cpu ${cores.toFixed(2)} cores; heap used ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB\n`,
  );
  window = new Map();
  delay.reset();
}, every).unref();
