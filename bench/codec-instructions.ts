/**
 * The codec benchmark's cases (`codec.bench.ts`: the purchase, with or without field 55, iso87ascii) as instruction
 * counts, which a busy machine does not bend (CPU time there moves 10-50% from run to run). It warms up with N
 * operations, calls `process.cpuUsage()`, runs N more and calls it again; callgrind dumps its counts before each of
 * those calls, so the second dump holds the N measured operations alone:
 *
 *   valgrind --tool=callgrind --dump-before=uv_getrusage --callgrind-out-file=cg.out \
 *     node --predictable --random-seed=1 --hash-seed=1 --perf-basic-prof bench/dist/codec-instructions.js ours unpack
 *
 * Instructions an operation: the total of `cg.out.2` (`callgrind_annotate cg.out.2`) over N. `--predictable` (one
 * thread: no concurrent compiling or collecting) and the fixed seeds give the same count on every run (two runs of
 * one build: identical); `--perf-basic-prof` writes `/tmp/perf-<pid>.map`, which names the addresses of compiled
 * JavaScript that callgrind shows as `0x...`. As in the benchmark, every unpack is followed by a read of every field,
 * from one read site that has seen objects of several shapes, and each operation is a closure called from a loop that
 * has seen several.
 *
 * Arguments: `ours` or `minimal` (the reference), `pack` or `unpack`, N (default 100000), `no55` (the purchase without
 * field 55), `pad=K` (K allocations before anything else, default 0: a heap offset).
 *
 * One count can sit in one of two modes by heap layout alone (an unrelated allocation once moved an unpack from 6,453
 * to 6,978 instructions, every run repeating it): `codec-instructions-modes.js` runs this under callgrind at several
 * heap offsets and prints each count, the lower mode and the spread; judge a change by those.
 */
import { createCodec } from '@iso8583/codec';
import { MinimalCodec } from './minimal-codec.js';
import { PURCHASE } from './timing.js';
import { field55For, fieldKeys, readEvery } from './codec-cases.js';

// `pad=K`: K objects of shapes of their own and K strings of growing sizes made before anything else, kept to the end
// (`codec-instructions-modes.ts` counts at several K: the same code can count differently by where its objects and
// hidden classes land in the heap).
const padArg = process.argv.find((a) => a.startsWith('pad='));
const PAD = padArg === undefined ? 0 : Number(padArg.slice(4));
const held: unknown[] = [];
for (let i = 0; i < PAD; i++) {
  const o: Record<string, number> = {};
  o[`p${i}`] = i;
  held.push(o, 'x'.repeat(20 + 7 * i) + String(i));
}
const [who = 'ours', op = 'unpack', count = '100000', variant = ''] = process.argv.slice(2).filter((a) => !a.startsWith('pad='));
const N = Number(count);
if ((who !== 'ours' && who !== 'minimal') || (op !== 'pack' && op !== 'unpack') || !(N > 0) || !(PAD >= 0)) {
  throw new Error('usage: codec-instructions.js ours|minimal pack|unpack [N] [no55] [pad=K]');
}
const ours = createCodec('iso87ascii');
const message: Record<string, string> = variant === 'no55' ? { ...PURCHASE } : { ...PURCHASE, '55': field55For(ours) };
const keys = fieldKeys(message);
const codec = who === 'ours' ? ours : new MinimalCodec(ours.dialect);
const bytes = codec.pack(message);

let sink = 0;
// The benchmark's read site sees every codec's objects (megamorphic): so does this one.
for (let i = 0; i < 6; i++) sink += readEvery({ ...message, [`x${i}`]: '' }, keys);
const one = op === 'pack' ? (): unknown => codec.pack(message) : (): unknown => readEvery(codec.unpack(bytes), keys);
function batch(fn: () => unknown, n: number): void {
  for (let i = 0; i < n; i++) if (fn() !== undefined) sink++;
}
batch(() => 1, 1000);
batch(() => 'x', 1000);
function run(n: number): void {
  for (let done = 0; done < n; done += 200) batch(one, 200);
}

run(N);
process.cpuUsage();
run(N);
process.cpuUsage();
if (sink === 0) console.log(sink, held.length);
