/**
 * A file journal with many open reversals, for the benchmarks of what a large journal costs (its open, a running
 * compaction's snapshot, a connector's start that resumes them): one reversal's JSON by number, added 1000 at a time.
 */
import type { FileJournal } from '@iso8583/connector';

/** Reversal `i` as JSON (a test card number; STAN and RRN from `i`). */
export function reversalJson(i: number): string {
  const stan = String(i % 1_000_000).padStart(6, '0');
  return `{"0":"0400","2":"4111111111111111","3":"000000","4":"000000001000","7":"1121103000","11":"${stan}","37":"000000${stan}","41":"TERM0001","42":"MERCHANT0000001","49":"840"}`;
}

/** Adds reversals `r0` .. `r(count-1)` to `journal` (opened), each added at time `at` (ms), 1000 appends in flight at a time. */
export async function fillJournal(journal: FileJournal, count: number, at: number): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    const adds: Promise<void>[] = [];
    for (let k = i; k < Math.min(count, i + 1000); k++) adds.push(journal.addJson(`r${k}`, reversalJson(k), at));
    await Promise.all(adds);
  }
}
