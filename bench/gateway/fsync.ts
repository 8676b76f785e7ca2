/**
 * This disk's durable-write latency alone, to name the journal's share of a gateway's tail: `BENCH_FSYNC_COUNT` (default
 * 10,000) appends of `BENCH_FSYNC_BYTES` (default 200, about one journal record) to a file in a temp folder (or
 * `BENCH_FSYNC_DIR`), each made durable before the next, two ways in turn (alternating blocks of 500, so that
 * neither gets the quieter disk): a write then `fdatasync` (what a journal does where the file cannot be opened with
 * `O_DSYNC`), and a write through an `O_DSYNC` handle (what the file journal does on Linux). Prints p50 / p90 / p99 /
 * p99.9 / max in ms of each, and the load average. Nothing else of ours should run meanwhile.
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
  const h = { fdatasync: createHistogram(), dsync: createHistogram() };
  console.log(`fsync latency: ${COUNT} appends of ${BYTES} B each way, in ${dir} (${loadAverage()})`);
  try {
    for (let done = 0; done < COUNT; done += BLOCK) {
      const n = Math.min(BLOCK, COUNT - done);
      for (let i = 0; i < n; i++) await append(plain, line, true, h.fdatasync);
      for (let i = 0; i < n; i++) await append(dsync, line, false, h.dsync);
    }
  } finally {
    await plain.close();
    await dsync.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`write + fdatasync   ${quantiles(h.fdatasync)}`);
  console.log(`write with O_DSYNC  ${quantiles(h.dsync)}`);
  console.log(`(${loadAverage()})`);
}

await main();
