/**
 * Take-over while running: a journal that several nodes share (`ReversalJournal.claim`) is asked every
 * `takeOverInterval` ms (else `claimInterval`) for the entries whose holder is gone, and those are handed to the reversal manager to send.
 */
import type { Logger } from 'pino';
import type { Iso8583Error } from '@iso8583/codec';
import type { JournalEntry, ReversalJournal } from './journal.js';

/** Polls `journal.claim` (when it has one) and hands what it returns to `take`; returns the function that stops it. */
export function watchClaims(journal: ReversalJournal, take: (entries: JournalEntry[]) => void, logger: Logger): () => void {
  const claim = journal.claim?.bind(journal);
  const every = journal.takeOverInterval ?? journal.claimInterval;
  if (claim === undefined || every === undefined || every <= 0) return () => undefined;
  let stopped = false;
  let running = false;
  // Logged once per run of failures (claims may come every second: an outage would log a line each time).
  let failing = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = true;
    claim()
      .then((entries) => {
        failing = false;
        if (!stopped && entries.length > 0) take(entries);
      })
      .catch((err: Iso8583Error) => {
        if (!failing) logger.warn({ code: err.code }, 'cannot claim entries from the store: will try again');
        failing = true;
      })
      .finally(() => {
        running = false;
      });
  }, every);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
