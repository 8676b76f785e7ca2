/**
 * An experiment, not a setting: loaded into one gateway with `--import` (e.g. `BENCH_AB_FLAGS_THIS="--import
 * bench/dist/gateway/journal-knobs.js"`), it sets options of the gateway's file journal that the `iso8583` binary does
 * not expose, before the journal opens, from the environment: `BENCH_JOURNAL_PREALLOCATE` (bytes: how far the file is
 * preallocated ahead, and the spare file's size; the journal compacts when its records outgrow it, so this sets how
 * often a compaction runs under load), `BENCH_JOURNAL_CONCURRENT_WRITES` (batch writes in flight at once),
 * `BENCH_JOURNAL_SPARE_FIXED=1` (every spare file of the preallocated size, whatever a build's journal would choose:
 * one build compared with its journal's spares as they were). Only to
 * measure what such an option would change (the gateway's p99 at half its peak) before proposing it.
 * A bench tool only: it reaches into the built files of the connector (`dist/src/...`), which are not public API.
 */
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The checkout the gateway runs from: packages/cli/bin/iso8583.js is argv[1].
const root = join(dirname(process.argv[1] as string), '..', '..', '..');
const url = pathToFileURL(join(root, 'packages', 'connector', 'dist', 'src', 'journal.js')).href;
const { FileJournal } = (await import(url)) as { FileJournal: { prototype: Record<string, unknown> } };

const preallocate = Number(process.env.BENCH_JOURNAL_PREALLOCATE ?? 0);
const spareFixed = process.env.BENCH_JOURNAL_SPARE_FIXED === '1';
const concurrent = Number(process.env.BENCH_JOURNAL_CONCURRENT_WRITES ?? 0);
const open = FileJournal.prototype.open as (this: Record<string, unknown>) => Promise<unknown>;
FileJournal.prototype.open = function (this: Record<string, unknown>): Promise<unknown> {
  if (preallocate > 0) {
    this.preallocate = preallocate;
    (this.spare as Record<string, unknown>).size = preallocate;
  }
  if (concurrent > 0) this.concurrentWrites = concurrent;
  if (spareFixed) {
    const spare = this.spare as { prepare: (size?: number) => void };
    const prepare = spare.prepare.bind(spare);
    spare.prepare = () => prepare(this.preallocate as number);
  }
  process.stderr.write(`[journal-knobs ${process.pid}] preallocate ${String(this.preallocate)} concurrentWrites ${String(this.concurrentWrites)}${spareFixed ? ' spare fixed' : ''}\n`);
  return open.call(this);
};
