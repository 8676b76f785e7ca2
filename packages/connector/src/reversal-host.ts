/**
 * The host the reversal manager (reversal.ts) gives its SAF queue: the connector's, its events seen first by the
 * reversals under way (reversals-underway.ts), and each answer that ends an entry followed up before that end is
 * journaled (`followUp`): a reversal's that undid nothing is remembered (a shared store: in the entry's row), and the
 * reversal a late approval of it calls for is stored before that end, or sent in its place (reversal-follow.ts). With
 * a journal that keeps such ends on disk (the file journal: `overtakenEnd`, journal-overtaken.ts), the end's record
 * keeps its code and when it was first answered so: the next start stores a repeat of it, after a stop of any kind (a
 * crash too), and a stop adds none (`keptAtStop`: the one path of that journal; any other store gets the repeats at the
 * stop, reversal-follow.ts `keepAtStop`). Not a reversal whose original the host answered already (the answer could
 * not be recorded, so it was reversed: `answeredOriginal`): the host answers a request once, so no late approval of it
 * can come, and its `25` is final; nothing is kept of it.
 */
import type { Logger } from 'pino';
import type { JournalEntry, ReversalJournal } from './saf-store.js';
import type { SafEvent, SafHost } from './saf-event.js';
import type { ReversalFollowUp } from './reversal-follow.js';
import type { OvertakenReversals } from './reversal-overtaken.js';
import { firstUndidNothing } from './reversal-overtaken.js';
import type { KeptEnd, UndidNothing } from './journal-overtaken.js';

/** The stages of a reversal event that end its entry on this node (its id is forgotten by `answeredOriginal`). */
const ENDS: ReadonlySet<SafEvent['stage']> = new Set(['answered', 'abandoned', 'expired', 'released']);

/** A journal that keeps the end of a reversal that undid nothing on disk (the file journal: journal-overtaken.ts). */
interface KeepsOvertaken {
  overtakenEnd(id: string, end: UndidNothing): void;
  overtakenKept(): KeptEnd[];
}

/** True when `journal` keeps the ends of reversals that undid nothing (see {@link KeepsOvertaken}). */
export function keepsOvertaken(journal: ReversalJournal): journal is ReversalJournal & KeepsOvertaken {
  return typeof (journal as Partial<KeepsOvertaken>).overtakenEnd === 'function';
}

/**
 * The SAF queue's host: `seen` (the connector's host as the reversals under way watch it), with the connector's
 * `answerKeys` and the `followUp` of `follow` (see the file's opening comment). `answeredOriginal`: whether the original
 * of entry `id` was answered by the host (taken: asked once per answer that ends the entry, and at every end of the
 * entry here, `ENDS`, so that one given up or released is not remembered for ever).
 */
export function safQueueHost(seen: SafHost, answerKeys: SafHost['answerKeys'], follow: ReversalFollowUp, overtaken: OvertakenReversals, journal: ReversalJournal, answeredOriginal: (id: string) => boolean): SafHost {
  const keeps = keepsOvertaken(journal) ? journal : undefined;
  return {
    sendReversal: (message, timeout, written) => seen.sendReversal(message, timeout, written),
    followUp: (message, response, entry: JournalEntry) => {
      // Its original was answered already (the bank answers a request once): no late approval can come, so a code that
      // undid nothing is final, neither remembered nor shared (a shared store would keep its row, and a resent copy of
      // that answer reaching any node would store a repeat).
      if (answeredOriginal(entry.id) && overtaken.undidNothing(message, response)) return undefined;
      const since = firstUndidNothing(entry);
      const follows = follow.answered(message, response, entry, since);
      if (follows !== undefined || !overtaken.undidNothing(message, response)) return follows;
      // Remembered in memory (nothing follows it now): the journal's `done` record of it says so too.
      keeps?.overtakenEnd(entry.id, { rc: String(response['39'] ?? ''), since });
      return undefined;
    },
    safEnded: (end) => seen.safEnded(end),
    reversalEvent: (event) => {
      // Ended here (answered, given up, or released to another node): nothing asks about its original any more.
      if (ENDS.has(event.stage)) answeredOriginal(event.id);
      seen.reversalEvent(event);
    },
    answerKeys,
    get logger() {
      return seen.logger;
    },
  };
}

/**
 * At a stop with a journal that keeps the ends of reversals that undid nothing (`keepsOvertaken`): every reversal this
 * process remembers so while its original may still be approved is in the journal already (its `done` record), and the
 * next start stores a repeat of it (journal-overtaken.ts). The memory is cleared; what the journal keeps (its count,
 * not the memory's: the next start repeats those) is each logged at `warn` (`ISO8583_WARN_SAF_OVERTAKEN_KEPT`, no card
 * data) and handed to `left` (counted as left for the next start: `safDepth`, `reversalsPending`). Returns how many.
 */
export function keptAtStop(overtaken: OvertakenReversals, journal: KeepsOvertaken, logger: Logger, left: (entry: JournalEntry) => void): number {
  overtaken.takeAll();
  const kept = journal.overtakenKept();
  for (const { id, mti, stan, terminal, responseCode, since } of kept) {
    logger.warn(
      { code: 'ISO8583_WARN_SAF_OVERTAKEN_KEPT', mti, stan, terminal, responseCode },
      'a reversal answered with a code that undid nothing while its original may still be approved: kept in the journal, the next start stores it again as a repeat and sends it',
    );
    left({ id, reversal: { '0': mti, '11': stan, '41': terminal }, at: since });
  }
  return kept.length;
}
