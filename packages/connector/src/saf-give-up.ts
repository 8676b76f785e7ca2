/**
 * Giving a SAF entry up without an answer (saf-queue.ts): `abandoned` after its `maxAttempts`, or `expired` after its
 * `expireAfter`. It leaves the queue's parts at once, its line is logged at once (`giveUpLine`, saf-entry.ts), and its
 * end goes to the journal, then is recorded, counted and emitted (saf-ends.ts).
 */
import type { IsoMessage } from '@iso8583/codec';
import type { SafActive } from './saf-active.js';
import type { SafEnds } from './saf-ends.js';
import { giveUpLine } from './saf-entry.js';
import type { Active } from './saf-entry.js';
import type { SafEvent, SafHost } from './saf-event.js';
import type { LateAnswers } from './saf-late.js';
import type { AttemptWindow } from './saf-window.js';

/** The parts of a SAF queue an entry given up leaves. */
export interface GiveUpParts {
  readonly active: SafActive;
  readonly late: LateAnswers;
  readonly window: AttemptWindow;
  readonly ends: SafEnds;
  readonly logger: SafHost['logger'];
}

/**
 * Gives `a` up without an answer (`outcome`), unless it left the queue already. `t0`/`at`: when its last attempt left,
 * or now; `unknown`: an expired entry read back with attempts made by an earlier run and none here (the last one's
 * outcome not known here).
 */
export function giveUp(q: GiveUpParts, a: Active, outcome: 'abandoned' | 'expired', base: Omit<SafEvent, 'stage'>, t0: number, at: number, unknown: boolean): void {
  if (!q.active.delete(a.entry.id)) return;
  q.late.forget(a);
  clearTimeout(a.timer);
  q.window.leave(a);
  const { code, level, msg } = giveUpLine(outcome, a.kind, unknown);
  q.logger[level]({ ...base, code }, msg);
  const message: IsoMessage = { ...a.entry.reversal, '0': base.mti };
  q.ends.end({ id: a.entry.id, end: { outcome, message, at, code }, t0, event: { stage: outcome, ...base, code } });
}
