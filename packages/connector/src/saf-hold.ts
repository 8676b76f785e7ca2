/**
 * The SAF queue's entries as it takes them in (saf-queue.ts `activate`), and the hold of a reversal a caller stored for
 * an original still in flight here (journaled, waiting for a connection or at the host). Such a reversal, sent at once,
 * could reach the host before it books the original (answered "25, no such transaction") and the original then be
 * approved: the card charged while the terminal thinks it reversed. So it is journaled and counted at once (the
 * caller's receipt, the SAF depth) and queued, but held: no attempt, no flush nor connection up sends it, until the
 * original's outcome is known here (answered, refused or failed unwritten, or its own reversal queued:
 * reversals-underway.ts `untilUnarmed`). It is then sent as any stored entry, its `initialDelay` counted from its
 * journaling. A stop meanwhile leaves it in the journal, as any entry not ended.
 */
import type { JournalEntry } from './saf-store.js';
import { wallWait, type Active } from './saf-entry.js';
import type { SafActive } from './saf-active.js';

/**
 * The state of `entry` as the queue takes it in, now (`performance.now()` time): `readBack` as `SafQueue.activate`
 * says; it expires `expireAfter` ms after it was journaled (`at`, read from the wall clock), never when 0.
 */
export function activeOf(entry: JournalEntry, readBack: boolean, expireAfter: number, now: number): Active {
  const expires = expireAfter > 0 ? now + wallWait(entry.at, expireAfter) : Infinity;
  return { entry, kind: entry.kind ?? 'reversal', attempts: entry.attempts ?? 0, readBack, timer: undefined, waiting: undefined, due: 0, expires };
}

/**
 * Holds `a` (held in `active`) until `until` settles (see the file's note): it waits with no timer (due never), and
 * `go` is called then, unless it ended (or was replaced) meanwhile.
 */
export function holdUntil(active: SafActive, a: Active, until: Promise<unknown>, go: (a: Active) => void): void {
  a.held = true;
  active.wait(a, 'attempt', Infinity);
  const release = (): void => {
    if (a.held !== true || active.get(a.entry.id) !== a) return;
    a.held = false;
    go(a);
  };
  until.then(release, release);
}
