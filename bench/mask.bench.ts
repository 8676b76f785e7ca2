/**
 * Masks benchmark: the free-text masks must cost time linear in the length of the text, whatever its shape (a log line
 * a client controls reaches them: quadratic work there is a way to stall the process). Each shape is masked at 256 KiB
 * and at 1 MiB; the CPU time per call grows 4 times when linear, 16 when quadratic. Target: at most 8 times (smaller
 * texts grow by more than 4 from caches and the collector alone: 64 to 256 KiB measured 3 to 11 times)
 * (`met`/`NOT met`, exit 1 when missed). The unit tests count the masks' own steps (deterministic, but blind to work
 * no step counts); this times them, so it sees everything.
 *
 * Run: `npx tsc -b bench && node bench/dist/mask.bench.js` (or `npm run bench mask`). Each figure is the least CPU
 * time of 7 calls after a warm-up call, each call after a full collection (see `msPerCall`).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { hexPanRuns, maskDigitRuns, maskFieldValue, maskHeader } from '@iso8583/codec';
import { cpuMs } from './timing.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SMALL = 256 * 1024;
const LARGE = 1024 * 1024;
const MOST_GROWTH = 8;
const CALLS = 7;

/** Shapes that have made masks slow before: digit runs, groups, hex dumps in every spelling, track data, words. */
const SHAPES: readonly string[] = [
  '1 ', '1234567 ', '4111 1111 ', '4111111111111111=', 'F4F1F1F1', 'F4 F1 F1 ', '34:31:31:', '0x34, 0x31, ',
  '\\x34\\x31', '3', 'F', 'word ', 'B4111111111111111^DOE/JOHN^', '34/31/31/',
];

const MASKS: ReadonlyArray<readonly [string, (text: string) => unknown]> = [
  ['maskFieldValue (free text)', (text) => maskFieldValue(text, undefined, undefined)],
  ['maskDigitRuns', maskDigitRuns],
  ['hexPanRuns', hexPanRuns],
  ['maskHeader', maskHeader],
];

/**
 * The CPU time of one call: the least of CALLS calls, each after a full collection. A call's own allocations are
 * collected on its clock, as in production; the garbage of the calls before it is not (a major collection or the
 * concurrent marking it starts landed on whichever call came next: one shape's median moved 256 KiB -> 1 MiB from
 * 6 to 12 times between two runs, its work counted in steps the same per character at every size). The least of
 * several calls is the call that other processes' work on a shared machine disturbed least; a mask whose work grows
 * faster than the text is slow on every call, the least too.
 */
function msPerCall(mask: (text: string) => unknown, text: string): number {
  mask(text);
  let least = Infinity;
  for (let i = 0; i < CALLS; i++) {
    gc();
    const start = cpuMs();
    mask(text);
    least = Math.min(least, cpuMs() - start);
  }
  return least;
}

let missed = 0;
for (const [name, mask] of MASKS) {
  let worst = 0;
  let worstShape = '';
  let worstLarge = 0;
  for (const unit of SHAPES) {
    const small = msPerCall(mask, unit.repeat(Math.floor(SMALL / unit.length)));
    const large = msPerCall(mask, unit.repeat(Math.floor(LARGE / unit.length)));
    // Below a millisecond a call's figure is mostly the clock's grain: count it as one.
    const growth = large / Math.max(small, 1);
    if (growth > worst) [worst, worstShape, worstLarge] = [growth, unit, large];
  }
  const met = worst <= MOST_GROWTH;
  if (!met) missed++;
  console.log(`${name}: worst growth 256 KiB -> 1 MiB ${worst.toFixed(1)}x (${JSON.stringify(worstShape)}, ${worstLarge.toFixed(1)} ms ` +
    `at 1 MiB); target at most ${MOST_GROWTH}x: ${met ? 'met' : 'NOT met'}`);
}
process.exit(missed === 0 ? 0 : 1);
