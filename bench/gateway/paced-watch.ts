/**
 * The open-loop client's own view of its phase (gateway/clients.ts `pacedPosLoad`), printed to stderr every
 * `BENCH_TAIL_WATCH` (else `BENCH_GC_WATCH`) milliseconds when one is set, beside the gateway's tail-watch.ts and
 * gc-watch.ts lines, each with the wall clock so that they line up: the client's latency p50 / p99 / max of the window,
 * what it sent and got, the largest burst one tick sent and the longest gap between two ticks (a client that lags
 * sends in catch-up bursts), its own event loop's delay (an answer waits for it before its latency is read), and the
 * machine's CPU pressure over the window (rounds.ts `cpuPressure`), and the latency of each connection's first
 * request apart (a server slow to start reading a new connection shows there). Tells the client's share of a p99 from
 * the gateway's.
 */
import { createHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { cpuPressure } from './rounds.js';

/** The wall clock, to the millisecond (HH:MM:SS.mmm), at the head of every watch line. */
export function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

/** What `pacedPosLoad` tells the watch. */
export interface PacedWatch {
  /** A tick sent `burst` purchases. */
  tick(burst: number): void;
  /** An answer came `ms` after its send; `first`: to the first request of its connection. */
  answered(ms: number, first: boolean): void;
  /** The phase ended: prints the last window and stops. */
  stop(): void;
}

const NONE: PacedWatch = { tick: () => undefined, answered: () => undefined, stop: () => undefined };

/**
 * A watch of one open-loop phase named `name`, printing every `BENCH_TAIL_WATCH` ms, else every `BENCH_GC_WATCH` ms
 * (a no-op when neither is set): with the gc-watch alone the gateway carries no tail-watch of its own.
 */
export function pacedWatch(name: string): PacedWatch {
  const every = Number(process.env.BENCH_TAIL_WATCH ?? process.env.BENCH_GC_WATCH);
  if (!(every > 0)) return NONE;
  const latency = createHistogram();
  /** The first request of each connection (a new connection's first read in the server, beside the load). */
  const firsts = createHistogram();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let sent = 0;
  let answers = 0;
  let burst = 0;
  let gap = 0;
  let last = performance.now();
  let pressure = cpuPressure();
  const ms = (us: number): string => (us / 1000).toFixed(1);
  const print = (): void => {
    const l = latency.count === 0 ? '-' : `${ms(latency.percentile(50))}/${ms(latency.percentile(99))}/${ms(latency.max)}`;
    const f = firsts.count === 0 ? '' : `; first request of ${firsts.count} connections p50/max ${ms(firsts.percentile(50))}/${ms(firsts.max)} ms`;
    process.stderr.write(
      `[paced-watch ${clock()} ${name}] client p50/p99/max ms ${l}; sent ${sent}, answers ${answers}; largest tick ${burst}, ` +
        `longest gap between ticks ${gap.toFixed(1)} ms; client event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ` +
        `max ${(delay.max / 1e6).toFixed(1)} ms; machine ${pressure()}${f}\n`,
    );
    pressure = cpuPressure();
    latency.reset();
    firsts.reset();
    delay.reset();
    sent = answers = burst = gap = 0;
  };
  const timer = setInterval(print, every);
  return {
    tick(n) {
      const now = performance.now();
      gap = Math.max(gap, now - last);
      last = now;
      sent += n;
      burst = Math.max(burst, n);
    },
    answered(t, first) {
      answers++;
      latency.record(Math.max(1, Math.round(t * 1000)));
      if (first) firsts.record(Math.max(1, Math.round(t * 1000)));
    },
    stop() {
      clearInterval(timer);
      print();
      delay.disable();
    },
  };
}
