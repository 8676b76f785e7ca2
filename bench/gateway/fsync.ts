/**
 * This disk's durable-write latency alone, to name the journal's share of a gateway's tail: `BENCH_FSYNC_COUNT` (default
 * 10,000) appends of `BENCH_FSYNC_BYTES` (default 200, about one journal record) to a file in a temp folder (or
 * `BENCH_FSYNC_DIR`), each made durable before the next, two ways in turn (alternating blocks of 500, so that
 * neither gets the quieter disk): a write then `fdatasync` (what a journal does where the file cannot be opened with
 * `O_DSYNC`), and a write through an `O_DSYNC` handle (what the file journal does on Linux). Prints p50 / p90 / p99 /
 * p99.9 / max in ms of each, and the load average. Nothing else of ours should run meanwhile.
 *
 * `BENCH_FSYNC_BESIDE_MS=N`: meanwhile, a second file is appended to as the gateway's transaction log is (a write every
 * 10 ms, `BENCH_FSYNC_BESIDE_RATE` bytes a second in all, default 3,000,000: about 6,000 records of 500 B) and
 * fdatasynced every N ms (0: never, the kernel writes it back on its own), to show what a log's periodic sync does to
 * the journal's durable writes on the same disk.
 *
 * Run: `node bench/dist/gateway/fsync.js`.
 */
import { constants } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram, performance } from 'node:perf_hooks';
import type { RecordableHistogram } from 'node:perf_hooks';
import { loadAverage } from './rounds.js';

const COUNT = Number(process.env.BENCH_FSYNC_COUNT ?? 10_000);
const BYTES = Number(process.env.BENCH_FSYNC_BYTES ?? 200);
const BLOCK = 500;
const BESIDE_MS = process.env.BENCH_FSYNC_BESIDE_MS === undefined ? undefined : Number(process.env.BENCH_FSYNC_BESIDE_MS);
const BESIDE_RATE = Number(process.env.BENCH_FSYNC_BESIDE_RATE ?? 3_000_000);

/**
 * The log beside (see the module comment): appends to `path` every 10 ms and fdatasyncs every `syncMs` (0: never) until
 * the returned stop is called; resolves the stop once its last write or sync returned. Its syncs' latencies go in `h`.
 */
async function besideLog(path: string, syncMs: number, h: RecordableHistogram): Promise<() => Promise<void>> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND);
  const chunk = Buffer.alloc(Math.max(1, Math.round(BESIDE_RATE / 100)), 0x78);
  let running = true;
  let lastSync = performance.now();
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      await handle.write(chunk, 0, chunk.length, null);
      if (syncMs > 0 && performance.now() - lastSync >= syncMs) {
        const s = performance.now();
        await handle.datasync();
        lastSync = performance.now();
        h.record(Math.max(1, Math.round((lastSync - s) * 1000)));
      }
      const wait = 10 - (performance.now() - t);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return async () => {
    running = false;
    await loop;
    await handle.close();
  };
}

/** One durable append to `handle`, timed into `h` (microseconds). */
async function append(handle: FileHandle, line: Buffer, sync: boolean, h: RecordableHistogram): Promise<void> {
  const t = performance.now();
  await handle.write(line, 0, line.length, null);
  if (sync) await handle.datasync();
  h.record(Math.max(1, Math.round((performance.now() - t) * 1000)));
}

const quantiles = (h: RecordableHistogram): string =>
  `p50 ${(h.percentile(50) / 1000).toFixed(2)}  p90 ${(h.percentile(90) / 1000).toFixed(2)}  p99 ${(h.percentile(99) / 1000).toFixed(2)}  ` +
  `p99.9 ${(h.percentile(99.9) / 1000).toFixed(2)}  max ${(h.max / 1000).toFixed(2)} ms`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(process.env.BENCH_FSYNC_DIR ?? tmpdir(), 'iso8583-fsync-'));
  const line = Buffer.from(`${'x'.repeat(BYTES - 1)}\n`);
  const plain = await open(join(dir, 'fdatasync.jsonl'), constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND);
  const dsync = await open(join(dir, 'dsync.jsonl'), constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC);
  const h = { fdatasync: createHistogram(), dsync: createHistogram(), beside: createHistogram() };
  const beside = BESIDE_MS === undefined ? undefined : ` beside a log of ${BESIDE_RATE} B/s fdatasynced ${BESIDE_MS === 0 ? 'never' : `every ${BESIDE_MS} ms`}`;
  console.log(`fsync latency: ${COUNT} appends of ${BYTES} B each way${beside ?? ''}, in ${dir} (${loadAverage()})`);
  const stopBeside = BESIDE_MS === undefined ? undefined : await besideLog(join(dir, 'beside.log'), BESIDE_MS, h.beside);
  try {
    for (let done = 0; done < COUNT; done += BLOCK) {
      const n = Math.min(BLOCK, COUNT - done);
      for (let i = 0; i < n; i++) await append(plain, line, true, h.fdatasync);
      for (let i = 0; i < n; i++) await append(dsync, line, false, h.dsync);
    }
  } finally {
    await stopBeside?.();
    await plain.close();
    await dsync.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`write + fdatasync   ${quantiles(h.fdatasync)}`);
  console.log(`write with O_DSYNC  ${quantiles(h.dsync)}`);
  if (h.beside.count > 0) console.log(`the log's fdatasync  ${quantiles(h.beside)}`);
  console.log(`(${loadAverage()})`);
}

await main();
