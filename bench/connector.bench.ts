// Connector round trips per second, client and responding host in separate processes (this 2-core machine: one core
// each). Scenarios: one connection with 64 requests in flight, and 8 connections x 16 in flight; each measured as a
// bare framed echo over the same sockets (the practical limit) and through `sendMessage` with message objects; then,
// without and with the reversal journal through two connectors side by side, in alternating rounds of the same run
// (see `journalPair`; each purchase's reversal fsynced before it leaves, its outcome fsynced before the caller sees
// the response), with the journal's group commit factor, its write
// latency (mean, max, most writes in flight) and its CPU per request (this process's CPU time, on minus off); beside
// each ratio, what latency alone allows at the write latency measured (see `latencyBound`), and the latency of a lone
// `O_DSYNC` write to the same disk in the same run (see `probeDisk`). p50/p99 latency and the heap (after GC) are
// printed. Usage: node bench/dist/connector.bench.js [requests] [peer mode]
// [scenarios] (requests per scenario, default 200000; peer mode patch | codec | inbound, default patch, see
// connector/peer.ts; scenarios all | journal, default all: `journal` runs only the journal off / on pairs). The journal's
// `batchRecords` can be set with BENCH_JOURNAL_BATCH (default: the journal's default).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { constants, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageStream, createCodec, encodeFrame } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal, createConnector } from '@iso8583/connector';
import { LatencyHistogram } from '@iso8583/cli';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const total = Number(process.argv[2] ?? 200_000);
const peerMode = process.argv[3] ?? 'patch';
const onlyJournal = process.argv[4] === 'journal';
/** The journal's `batchRecords` when `BENCH_JOURNAL_BATCH` is set (65536: a batch per turn, as before it existed). */
const BATCH_RECORDS = process.env.BENCH_JOURNAL_BATCH === undefined ? undefined : Number(process.env.BENCH_JOURNAL_BATCH);
const codec = createCodec('iso87ascii');

/** A purchase like a POS sends it (0200 with track 2; the PAN is a test card). */
function purchase(stan: number, terminal: string): IsoMessage {
  return {
    '0': '0200',
    '2': '4111111111111111',
    '3': '000000',
    '4': '000000001000',
    '7': '1121103000',
    '11': String(stan).padStart(6, '0'),
    '12': '103000',
    '13': '1121',
    '22': '051',
    '25': '00',
    '35': '4111111111111111=29122010000000000000',
    '41': terminal,
    '42': 'MERCHANT0000001',
    '49': '840',
  };
}

async function startPeer(mode: string): Promise<{ port: number; child: ChildProcess }> {
  const child = fork(fileURLToPath(new URL('./connector/peer.js', import.meta.url)), [mode], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  return { port, child };
}

interface Result {
  name: string;
  /** With the journal: records per write + fsync (the group commit factor), batches, compactions. */
  journal?: string;
  /** With the journal: the mean latency of its batch writes, from their start to their return (ms). */
  writeMs?: number;
  rate: number;
  /** CPU time of this process (all threads: the event loop and the thread pool's writes) per request, in us. */
  cpuUs: number;
  /** Of which user and system (kernel: syscalls, the file system, waking threads) time, in us per request. */
  userUs: number;
  sysUs: number;
  p50: number;
  p99: number;
  heapMb: number[];
}

function heapMb(): number {
  gc();
  return Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10;
}

/** Bare framed echo: pre-encoded frames, `connections` sockets, `depth` frames in flight on each. */
async function bareEcho(port: number, connections: number, depth: number): Promise<Result> {
  const frame = encodeFrame(codec.pack(purchase(1, 'TERM0001')), { lengthHeader: 'binary2' });
  const latencies = new LatencyHistogram();
  const perConnection = Math.floor(total / connections);
  const heap: number[] = [heapMb()];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, () =>
      new Promise<void>((resolve) => {
        const socket: Socket = connect(port, '127.0.0.1', () => {
          socket.setNoDelay(true);
          const sentAt: number[] = [];
          let sent = 0;
          let received = 0;
          const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' } }, {
            frame: () => {
              latencies.record(performance.now() - (sentAt.shift() as number));
              received += 1;
              if (sent < perConnection) send();
              if (received === perConnection) {
                stream.destroy();
                resolve();
              }
            },
          });
          const send = (): void => {
            sentAt.push(performance.now());
            sent += 1;
            stream.write(frame);
          };
          for (let i = 0; i < depth; i++) send();
        });
      }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  heap.push(heapMb());
  const done = perConnection * connections;
  return { name: `bare framed echo, ${connections} x ${depth}`, rate: done / seconds, cpuUs: Number.NaN, userUs: Number.NaN, sysUs: Number.NaN, p50: latencies.quantile(0.5), p99: latencies.quantile(0.99), heapMb: heap };
}

/** A connector to the peer, its journal (when on) and what its measured blocks added up to. */
interface Side {
  connector: ReturnType<typeof createConnector>;
  journal: FileJournal | undefined;
  connections: number;
  depth: number;
  latencies: LatencyHistogram;
  done: number;
  seconds: number;
  cpu: NodeJS.CpuUsage;
  heap: number[];
  batches: { batches: number; records: number; compactions: number } | undefined;
  writes: { writes: number; totalMs: number; maxMs: number; maxInFlight: number } | undefined;
}

/** Opens a connector (`connections` multiplexed connections; the journal in `journalDir` when given) and warms it. */
async function openSide(port: number, connections: number, depth: number, journalDir?: string): Promise<Side> {
  const journal = journalDir === undefined ? undefined : new FileJournal(journalDir, BATCH_RECORDS === undefined ? {} : { batchRecords: BATCH_RECORDS });
  const connector = createConnector({
    host: '127.0.0.1',
    port,
    pool: { min: connections, max: connections },
    maxInFlight: connections * depth + 1,
    requestTimeout: 30_000,
    ...(journal === undefined ? {} : { reversal: { enabled: true, journal } }),
  });
  await connector.connect();
  // Let the pool open every connection before measuring.
  while (connector.stats().connected < connections) {
    await Promise.all(Array.from({ length: connections * 4 }, (_, i) => connector.sendMessage(purchase(900_000 + i, 'WARMUP01'))));
  }
  return {
    connector, journal, connections, depth, latencies: new LatencyHistogram(), done: 0, seconds: 0, cpu: { user: 0, system: 0 }, heap: [heapMb()],
    batches: journal?.batches, writes: journal?.writeStats,
  };
}

/** One measured block of `count` requests through `side` (`connections` x `depth` callers); adds its figures to the side's. */
async function block(side: Side, count: number): Promise<number> {
  const { connector, latencies } = side;
  const workers = side.connections * side.depth;
  let issued = 0;
  const checkpoint = Math.floor(count / 2);
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const terminal = 'T' + String(w).padStart(7, '0');
      let stan = side.done % 900_000;
      while (issued < count) {
        issued++;
        stan = stan >= 999_999 ? 1 : stan + 1;
        const start = performance.now();
        const response = await connector.sendMessage(purchase(stan, terminal));
        latencies.record(performance.now() - start);
        if (response['0'] !== '0210') throw new Error('unexpected response MTI');
        if (count === total && issued === checkpoint) side.heap.push(Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  side.cpu = { user: side.cpu.user + cpu.user, system: side.cpu.system + cpu.system };
  side.done += count;
  side.seconds += seconds;
  return count / seconds;
}

/** Closes the side's connector and returns its figures over every block. */
async function closeSide(side: Side): Promise<Result> {
  const { connector, journal, connections, depth, latencies, done, seconds, cpu } = side;
  side.heap.push(heapMb());
  const stats = connector.stats();
  const after = journal?.batches;
  const writesAfter = journal?.writeStats;
  await connector.close();
  if (stats.responses < done || stats.inFlight !== 0) throw new Error('requests were lost');
  let journalFigures: string | undefined;
  let writeMs: number | undefined;
  const before = side.batches;
  const writesBefore = side.writes;
  if (before !== undefined && after !== undefined) {
    const batches = after.batches - before.batches;
    const records = after.records - before.records;
    journalFigures = `${records} records (add + done) in ${batches} write+fsync batches: group commit ${(records / batches).toFixed(1)} records/batch, ${Math.round(batches / seconds)} fsync/s, ${after.compactions - before.compactions} compactions`;
    if (writesBefore !== undefined && writesAfter !== undefined) {
      const writes = writesAfter.writes - writesBefore.writes;
      writeMs = (writesAfter.totalMs - writesBefore.totalMs) / writes;
      journalFigures += `; write latency mean ${writeMs.toFixed(2)} ms, max ${writesAfter.maxMs.toFixed(1)} ms, up to ${writesAfter.maxInFlight} in flight`;
    }
  }
  return {
    ...(journalFigures === undefined ? {} : { journal: journalFigures }),
    ...(writeMs === undefined ? {} : { writeMs }),
    name: `connector sendMessage(object)${journal === undefined ? '' : ' + journal'}, ${connections} x ${depth}`,
    rate: done / seconds,
    cpuUs: (cpu.user + cpu.system) / done,
    userUs: cpu.user / done,
    sysUs: cpu.system / done,
    p50: latencies.quantile(0.5),
    p99: latencies.quantile(0.99),
    heapMb: side.heap,
  };
}

/** Through the connector: `sendMessage(object)`, `connections` multiplexed connections, `depth` in flight each. */
async function throughConnector(port: number, connections: number, depth: number): Promise<Result> {
  const side = await openSide(port, connections, depth);
  await block(side, total);
  return closeSide(side);
}

/**
 * Journal off and on through two connectors open side by side, in `ROUNDS` alternating blocks of `total / ROUNDS`
 * requests each (off, on, off, on, ...): on a machine shared with other work, a slow spell then falls on both sides
 * rather than on one. Returns both sides' figures over all blocks and the median of the rounds' ratios (on / off).
 */
async function journalPair(port: number, connections: number, depth: number, journalDir: string): Promise<{ off: Result; on: Result; median: number }> {
  const off = await openSide(port, connections, depth);
  const on = await openSide(port, connections, depth, journalDir);
  const count = Math.floor(total / ROUNDS);
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const offRate = await block(off, count);
    ratios.push((await block(on, count)) / offRate);
  }
  ratios.sort((a, b) => a - b);
  const median = ((ratios[(ROUNDS - 1) >> 1] as number) + (ratios[ROUNDS >> 1] as number)) / 2;
  return { off: await closeSide(off), on: await closeSide(on), median };
}

/** How many alternating off / on blocks a journal pair runs (see `journalPair`). */
const ROUNDS = 8;

/** The journal target of issue 10: connector + journal at least this fraction of the connector alone (same run). */
const JOURNAL_TARGET = 0.8;

/**
 * What latency alone allows connector + journal against the connector alone, as a fraction, when `inFlight` callers
 * each wait for every request in turn (a closed loop, as here): each request waits for two durable writes in sequence
 * (its `add` before it leaves, its `done` after the response, before its caller sees it), so that by Little's law the
 * rate is about inFlight / (2 x write latency + the request's mean latency without the journal), whatever the CPU,
 * the batching or the writes in flight. Off at 50,000/s with 64 in flight (1.3 ms a request) and 1 ms writes: 0.39x.
 * An estimate, not a ceiling, on a loaded machine: stalls that lengthen the requests without the journal partly
 * hide in the journal's waits.
 */
function latencyBound(inFlight: number, offRate: number, writeMs: number): number {
  const offSeconds = inFlight / offRate;
  return offSeconds / (offSeconds + (2 * writeMs) / 1000);
}

/** `O_DSYNC` where the platform has it (as the journal opens its file); undefined elsewhere (then write + fdatasync). */
const O_DSYNC = (constants as { O_DSYNC?: number }).O_DSYNC;

/**
 * The disk's own figure in this run: `count` lone `O_DSYNC` writes of `size` bytes, one at a time, through the thread
 * pool as the journal writes, into a preallocated file in the folder the journal uses; their mean and median
 * latency (ms). The journal's write latency above this is its own (the event loop's turn, its batches in flight).
 */
async function probeDisk(count = 200, size = 8192): Promise<{ mean: number; p50: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-bench-disk-'));
  try {
    const path = join(dir, 'probe');
    const blank = Buffer.alloc(count * size, 0x0a);
    const fill = await open(path, 'w');
    await fill.write(blank, 0, blank.length, 0);
    await fill.sync();
    await fill.close();
    const handle = await open(path, constants.O_RDWR | (O_DSYNC ?? 0));
    const data = Buffer.alloc(size, 0x41);
    const ms: number[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await handle.write(data, 0, size, i * size);
        if (O_DSYNC === undefined) await handle.datasync();
        ms.push(performance.now() - t0);
      }
    } finally {
      await handle.close();
    }
    ms.sort((a, b) => a - b);
    return { mean: ms.reduce((a, b) => a + b, 0) / count, p50: ms[Math.floor(count / 2)] as number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const peer = await startPeer(peerMode);
const results: Result[] = [];
const ratios: { shape: string; inFlight: number; off: Result; on: Result; median: number }[] = [];
let disk: { mean: number; p50: number } | undefined;
try {
  for (const [connections, depth] of onlyJournal ? [] : ([[1, 64], [8, 16]] as const)) {
    const echo = await startPeer('echo');
    results.push(await bareEcho(echo.port, connections, depth));
    echo.child.kill();
    results.push(await throughConnector(peer.port, connections, depth));
  }
  // With reversal on: every purchase's reversal is journaled (appended and fsynced) before it leaves, and its outcome
  // (`done`) is fsynced before the caller sees the response (group commit). Journal off and on back to back, same run.
  for (const [connections, depth] of [
    [1, 64],
    [8, 16],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'iso8583-bench-journal-'));
    try {
      const { off, on, median } = await journalPair(peer.port, connections, depth, dir);
      results.push(off, on);
      ratios.push({ shape: `${connections} x ${depth}`, inFlight: connections * depth, off, on, median });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  disk = await probeDisk();
} finally {
  peer.child.kill();
}
console.log(`connector round trips: ${total} requests per scenario, host peer mode "${peerMode}", node ${process.version}`);
for (const r of results) {
  console.log(
    `${r.name.padEnd(44)} ${Math.round(r.rate).toLocaleString('en-US').padStart(9)} /s   ${Number.isNaN(r.cpuUs) ? '' : `cpu ${r.cpuUs.toFixed(1)} us/req (user ${r.userUs.toFixed(1)}, sys ${r.sysUs.toFixed(1)})   `}p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms   heap MB ${r.heapMb.join(' -> ')}`,
  );
  if (r.journal !== undefined) console.log(`${''.padEnd(44)} journal: ${r.journal}`);
}
if (disk !== undefined) console.log(`a lone O_DSYNC write of 8 KiB to this disk, one at a time: mean ${disk.mean.toFixed(2)} ms, p50 ${disk.p50.toFixed(2)} ms`);
let missed = 0;
for (const { shape, inFlight, off, on, median } of ratios) {
  const ratio = on.rate / off.rate;
  const met = ratio >= JOURNAL_TARGET;
  if (!met) missed++;
  console.log(
    `connector + journal vs connector, ${shape}: ${ratio.toFixed(2)}x (${Math.round(on.rate).toLocaleString('en-US')} vs ${Math.round(off.rate).toLocaleString('en-US')} /s; median of ${ROUNDS} alternating rounds ${median.toFixed(2)}x), target ${JOURNAL_TARGET}x: ${met ? 'met' : 'NOT met'}; latency alone allows ${latencyBound(inFlight, off.rate, on.writeMs ?? 0).toFixed(2)}x at its write latency of ${(on.writeMs ?? 0).toFixed(2)} ms (closed loop, ${inFlight} in flight); the journal's CPU ${(on.cpuUs - off.cpuUs).toFixed(1)} us per request (user ${(on.userUs - off.userUs).toFixed(1)}, sys ${(on.sysUs - off.sysUs).toFixed(1)}; process, all threads)`,
  );
}
if (missed > 0) process.exitCode = 1;
