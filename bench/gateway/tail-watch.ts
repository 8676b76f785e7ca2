/**
 * Where a gateway's time per request goes, seen from inside the process: loaded into a gateway with `--import` (the
 * benchmarks do it when `BENCH_TAIL_WATCH` is set, beside gateway/gc-watch.ts), it wraps a few methods of the
 * gateway's own build and prints to stderr, every `BENCH_TAIL_WATCH` milliseconds, p50 / p99 / max of each step a
 * request takes in that window:
 * - `in-gateway`: from the frame read off the POS socket to its reply queued (per connection, first in first out:
 *   exact while a connection has one request in flight, as under the open-loop load);
 * - `add`: the reversal record's append until durable (the request waits for it before it leaves);
 * - `upstream`: the channel's write to the simulator's answer (the simulator and both sockets);
 * - `done`: the outcome's append until durable (the answer waits for it);
 * - `fsync`: one batch write of the journal (write + sync, from its start), with the records per batch;
 * - `batch-queued`: a batch from its first record to the start of its write (the gathering turn, and any wait for a
 *   free write slot, a compaction or a write that grows the file);
 * - `batch-held`: a batch from the return of its write to its records taking effect (the wait for the batches before
 *   it, which take effect in order, and for the event loop to run the write's completion);
 * - `compaction`: a compaction of the journal while running (`compact`: the live records into the next file beside
 *   the writes, then its last step alone), `hold`: that last step, from the moment no write may start (it waits for the
 *   writes in flight, then carries the last records, renames and syncs the folder: every append waits for it), and
 *   `spare`: the making of the next file ahead (blank lines written and synced in the background), with their counts.
 * Then, for the requests slower than `BENCH_TAIL_SLOW` ms in the gateway (default 10), what their time was made of:
 * the mean of their reversal append (`add`), outcome append (`done`), garbage-collection pauses within their time
 * (`gc`), and the rest (`other`: the upstream, the CPU of the gateway and its queueing behind other work), and how
 * many had a GC pause or a journal wait of 5 ms or more.
 * A bench tool only: it reaches into the built files of the packages (`dist/src/...`), which are not public API.
 */
import { PerformanceObserver, createHistogram, performance } from 'node:perf_hooks';
import type { RecordableHistogram } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { clock } from './paced-watch.js';

// The checkout the gateway runs from: packages/cli/bin/iso8583.js is argv[1].
const root = join(dirname(process.argv[1] as string), '..', '..', '..');
const built = (pkg: string, file: string): Promise<Record<string, { prototype: Record<string, unknown> }>> =>
  import(pathToFileURL(join(root, 'packages', pkg, 'dist', 'src', file)).href) as Promise<Record<string, { prototype: Record<string, unknown> }>>;

const steps = ['in-gateway', 'add', 'upstream', 'done', 'fsync', 'batch-queued', 'batch-held', 'compaction', 'hold', 'spare'] as const;
type Step = (typeof steps)[number];
const histograms = new Map<Step, RecordableHistogram>(steps.map((s) => [s, createHistogram()]));
let batches = 0;
let records = 0;

/** Records a duration in ms (kept in microseconds). */
function record(step: Step, ms: number): void {
  (histograms.get(step) as RecordableHistogram).record(Math.max(1, Math.round(ms * 1000)));
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Compactions, their last steps (appends held) and spare files being made: [start, end] in performance.now() time, the last few seconds. */
// Kept as the same arrays for the whole run (timeAsync holds them) and pruned in place: a new array at each window's end
// left timeAsync pushing into the first one, so no overlap with a compaction or a spare file was ever seen after it.
const compactions: [number, number][] = [];
const holds: [number, number][] = [];
const spares: [number, number][] = [];

/** Drops the intervals of `xs` that ended before `keep`, in place. */
function prune(xs: [number, number][], keep: number): void {
  let n = 0;
  for (const x of xs) if (x[1] >= keep) xs[n++] = x;
  xs.length = n;
}

/**
 * Wraps `proto[name]` so that the time until its returned promise settles is recorded as `step` (and its interval
 * kept in `intervals`, when given).
 */
function timeAsync(proto: Record<string, unknown>, name: string, step: Step, intervals?: [number, number][]): void {
  const original = proto[name] as Method;
  proto[name] = function (this: unknown, ...args: unknown[]): unknown {
    const t = performance.now();
    const p = original.apply(this, args) as Promise<unknown>;
    const end = (): void => {
      const e = performance.now();
      record(step, e - t);
      intervals?.push([t, e]);
    };
    p.then(end, end);
    return p;
  };
}

/** One request through the gateway: when its frame came, and its two journal waits (ms). */
interface Trace {
  start: number;
  add: number;
  done: number;
}
const SLOW = Number(process.env.BENCH_TAIL_SLOW ?? 10);
/**
 * The request being traced, kept on the relay's message object and on its journal entry under a symbol (skipped by
 * `Object.keys`, JSON and packing). Not in a `WeakMap`: an entry per request (a fresh key each time) grows an ephemeron
 * table in the old generation that scavenges visit and only a mark-compact empties. With two such entries a request
 * (and two per batch) the watched gateway spent 136-143 us of CPU a purchase at 6,000 a second against 85-99 without
 * the watch; kept on the objects, 101-109 us (docs/operations.md, eleventh pass). The watch still costs its gateway
 * CPU and scavenge time (its traces, closures and slow-request list): read GC from gc-watch alone.
 */
const TRACE = Symbol('tail-watch trace');
type Traced = { [TRACE]?: Trace };
/** Slow requests of the window: start, end and their trace (checked against the GC pauses at the window's end). */
let slow: { start: number; end: number; trace: Trace }[] = [];
/** GC pauses: [start, end] in performance.now() time, the last few seconds. */
let pauses: [number, number][] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) pauses.push([e.startTime, e.startTime + e.duration]);
}).observe({ entryTypes: ['gc'] });

const connector = (await built('connector', 'connector.js')).Connector as { prototype: Record<string, unknown> };
const relay = connector.prototype.relay as Method;
connector.prototype.relay = function (this: unknown, request: { message: object }, ...rest: unknown[]): unknown {
  const trace: Trace = { start: performance.now(), add: 0, done: 0 };
  (request.message as Traced)[TRACE] = trace;
  const p = relay.call(this, request, ...rest) as Promise<unknown>;
  const end = (): void => {
    const t = performance.now();
    if (t - trace.start >= SLOW) slow.push({ start: trace.start, end: t, trace });
  };
  p.then(end, end);
  return p;
};
const reversal = (await built('connector', 'reversal.js')).ReversalManager as { prototype: Record<string, unknown> };
const arm = reversal.prototype.arm as Method;
reversal.prototype.arm = function (this: unknown, original: object): unknown {
  const t = performance.now();
  return (arm.call(this, original) as Promise<object>).then((entry) => {
    const trace = (original as Traced)[TRACE];
    if (trace !== undefined) {
      trace.add = performance.now() - t;
      (entry as Traced)[TRACE] = trace;
    }
    return entry;
  });
};
const answered = reversal.prototype.answered as Method;
reversal.prototype.answered = function (this: unknown, entry: object): unknown {
  const t = performance.now();
  const p = answered.call(this, entry) as Promise<void>;
  const trace = (entry as Traced)[TRACE];
  if (trace !== undefined) p.then(() => (trace.done = performance.now() - t), () => undefined);
  return p;
};

/** The slow requests of the window, broken down (see the module comment). */
function breakdown(): string {
  if (slow.length === 0) return 'no request over ' + String(SLOW) + ' ms';
  let add = 0, done = 0, gc = 0, total = 0, withGc = 0, withWait = 0, withCompaction = 0, withHold = 0, withSpare = 0;
  const overlaps = (xs: [number, number][], r: { start: number; end: number }): boolean => xs.some(([a, b]) => a < r.end && b > r.start);
  for (const r of slow) {
    let g = 0;
    for (const [a, b] of pauses) g += Math.max(0, Math.min(b, r.end) - Math.max(a, r.start));
    add += r.trace.add;
    done += r.trace.done;
    gc += g;
    total += r.end - r.start;
    if (g >= 5) withGc++;
    if (r.trace.add >= 5 || r.trace.done >= 5) withWait++;
    if (overlaps(compactions, r)) withCompaction++;
    if (overlaps(holds, r)) withHold++;
    if (overlaps(spares, r)) withSpare++;
  }
  const n = slow.length;
  const mean = (x: number): string => (x / n).toFixed(1);
  return `${n} over ${SLOW} ms: mean ${mean(total)} ms = add ${mean(add)} + done ${mean(done)} + gc ${mean(gc)} + other ${mean(total - add - done - gc)}; ` +
    `${withGc} with >= 5 ms of GC, ${withWait} with a journal wait >= 5 ms, ${withCompaction} during a compaction (${withHold} during its last step), ${withSpare} while a spare file was made`;
}

const journal = (await built('connector', 'journal.js')).FileJournal as { prototype: Record<string, unknown> };
timeAsync(journal.prototype, 'add', 'add');
timeAsync(journal.prototype, 'addJson', 'add');
timeAsync(journal.prototype, 'done', 'done');
// `rewrite` is the compaction of `open`; `compact` the one while running, and `whenQuiet` its last step (base class).
timeAsync(journal.prototype, 'rewrite', 'compaction', compactions);
timeAsync(journal.prototype, 'compact', 'compaction', compactions);
const writes = Object.getPrototypeOf(journal.prototype) as Record<string, unknown>;
timeAsync(writes, 'whenQuiet', 'hold', holds);
const spare = (await built('connector', 'journal-spare.js')).SpareFile as { prototype: Record<string, unknown> };
timeAsync(spare.prototype, 'make', 'spare', spares);
/** Batch writes of 5 ms or more, and how many of them overlapped the making of a spare file. */
let slowWrites = 0;
let slowWritesBesideSpare = 0;

const batch = (await built('connector', 'journal-batch.js')).Batch as { prototype: Record<string, unknown> };
/** Slow batch writes of the window, checked against the spare files made at the window's end. */
let pendingSlow: [number, number][] = [];
/** When each batch got its first record, and when its write returned: kept on the batch under these symbols. */
const FIRST_PUSH = Symbol('tail-watch first push');
const RETURNED = Symbol('tail-watch returned');
type Timed = { [FIRST_PUSH]?: number; [RETURNED]?: number };
const push = batch.prototype.push as Method;
batch.prototype.push = function (this: object, ...args: unknown[]): unknown {
  const timed = this as Timed;
  if (timed[FIRST_PUSH] === undefined) timed[FIRST_PUSH] = performance.now();
  return push.apply(this, args);
};
const write = batch.prototype.write as Method;
batch.prototype.write = function (this: { size: number; started: number }, ...args: unknown[]): unknown {
  batches += 1;
  records += this.size;
  const first = (this as Timed)[FIRST_PUSH];
  if (first !== undefined) record('batch-queued', this.started - first);
  return (write.apply(this, args) as Promise<void>).then(() => {
    const t = performance.now();
    (this as Timed)[RETURNED] = t;
    record('fsync', t - this.started);
    if (t - this.started >= 5) {
      slowWrites++;
      const started = this.started;
      // A spare file being made now has no end yet: counted once it ends, at the window's print, as well.
      pendingSlow.push([started, t]);
    }
  });
};
const commit = batch.prototype.commit as Method;
batch.prototype.commit = function (this: object, ...args: unknown[]): unknown {
  const t = (this as Timed)[RETURNED];
  if (t !== undefined) record('batch-held', performance.now() - t);
  return commit.apply(this, args);
};

// The channel's request: its `resolve` is called with the answer, `start` is set at the write.
const channel = (await built('connector', 'channel.js')).Channel as { prototype: Record<string, unknown> };
const send = channel.prototype.send as Method;
channel.prototype.send = function (this: unknown, req: { resolve: (r: unknown) => void; start: number }): unknown {
  const resolve = req.resolve;
  req.resolve = (r: unknown): void => {
    record('upstream', performance.now() - req.start);
    resolve(r);
  };
  return send.call(this, req);
};

// The POS side: a frame's arrival, and its reply queued on the same connection.
const inbound = (await built('inbound', 'connection.js')).InboundConnection as { prototype: Record<string, unknown> };
const arrivals = new WeakMap<object, number[]>();
const onFrame = inbound.prototype.onFrame as Method;
inbound.prototype.onFrame = function (this: object, ...args: unknown[]): unknown {
  let q = arrivals.get(this);
  if (q === undefined) arrivals.set(this, (q = []));
  q.push(performance.now());
  return onFrame.apply(this, args);
};
const reply = inbound.prototype.send as Method;
inbound.prototype.send = function (this: object, ...args: unknown[]): unknown {
  const t = arrivals.get(this)?.shift();
  if (t !== undefined) record('in-gateway', performance.now() - t);
  return reply.apply(this, args);
};

const every = Number(process.env.BENCH_TAIL_WATCH) > 0 ? Number(process.env.BENCH_TAIL_WATCH) : 5_000;
const ms = (us: number): string => (us / 1000).toFixed(1);
setInterval(() => {
  const parts = steps.map((s) => {
    const h = histograms.get(s) as RecordableHistogram;
    const line = h.count === 0 ? `${s} -` : `${s} ${ms(h.percentile(50))}/${ms(h.percentile(99))}/${ms(h.max)}${h.count < 100 ? ` (${h.count}x)` : ''}`;
    h.reset();
    return line;
  });
  process.stderr.write(`[tail-watch ${process.pid} ${clock()}] p50/p99/max ms: ${parts.join(', ')}; ${batches} batches, ${(records / Math.max(1, batches)).toFixed(1)} records each\n`);
  for (const [a, b] of pendingSlow) if (spares.some(([c, d]) => c < b && d > a)) slowWritesBesideSpare++;
  process.stderr.write(`[tail-watch ${process.pid} ${clock()}] slow requests: ${breakdown()}; ${slowWrites} batch writes of 5 ms or more, ${slowWritesBesideSpare} while a spare file was made\n`);
  pendingSlow = [];
  slowWrites = 0;
  slowWritesBesideSpare = 0;
  slow = [];
  const keep = performance.now() - 2 * every;
  pauses = pauses.filter(([, b]) => b >= keep);
  prune(compactions, keep);
  prune(holds, keep);
  prune(spares, keep);
  batches = 0;
  records = 0;
}, every).unref();
