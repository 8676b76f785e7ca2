/**
 * What the store-and-forward (SAF) queue reports and needs: its events (`saf`, and `reversal` for the connector's own
 * reversals), what it asks of its connector, its settings, and the MTI of each attempt.
 */
import type { IsoMessage } from '@iso8583/codec';
import type { Logger } from 'pino';
import type { AnswerKeys } from './saf-late.js';
import type { JournalEntry, SafEntryKind } from './saf-store.js';
import type { SafEnd } from './saf-ends.js';
import type { ResolvedSafOptions } from './saf-options.js';

/** What the queue needs from its connector. */
export interface SafHost {
  /**
   * Sends a message outside the per-terminal queue and without journaling; resolves with the response. `written`
   * (optional) is called once, in the turn its frame is handed to the socket; never for an attempt that is not written.
   */
  sendReversal(message: IsoMessage, timeout: number, written?: () => void): Promise<IsoMessage>;
  /** Reports what happened to an entry. */
  reversalEvent(event: SafEvent): void;
  /** Records how an entry ended (the transaction log), once that is durable and before its event; must not throw. */
  safEnded(end: SafEnd): void;
  /**
   * Optional: the attempt `message` (its MTI that attempt's) was answered with `response`, which ends its entry, and
   * that end is not recorded yet; returns what must follow it first (the reversal a late approval calls for,
   * reversal-overtaken.ts), or `undefined` when nothing does (the entry ends at once). The entry's end waits for the
   * promise: `undefined` once what follows is durable (an entry of its own), so that no crash leaves the first entry
   * done and the second unstored; a message when it could not be stored: the entry then does not end, and goes on as
   * that message from memory (sent at once, then repeated as usual, with `maxAttempts` counted afresh) until that is
   * answered; its journal record still holds its own message, which a later start repeats. Never rejects. `entry`:
   * the entry answered (its journaled message and `at`).
   */
  followUp?(message: IsoMessage, response: IsoMessage, entry: JournalEntry): Promise<IsoMessage | undefined> | undefined;
  /**
   * Optional: the match keys of an attempt and of an answer (the connector's `MatchKey`), by which a late answer to an
   * entry's last attempt ends it (saf-late.ts). Without: late answers are not looked at.
   */
  readonly answerKeys?: AnswerKeys;
  /**
   * Optional: counts an approval that came after its request was answered in time with a decline
   * (reversal-declined.ts: logged at warn, never reversed). Must not throw.
   */
  approvalAfterDecline?(): void;
  readonly logger: Logger;
}

/** A SAF event (`saf` for every entry; `reversal` for the connector's reversals): never carries card data. */
export interface SafEvent {
  /**
   * `queued` (journaled and now waiting in the queue: a reversal triggered, an advice stored, an entry an earlier
   * run or another node left; its first attempt follows after `initialDelay`, or at once for one sent before), `sent`
   * (an attempt left: journaled, then written to a connection, in the turn of the write; an attempt that is never
   * written, for want of a connection or refused before its first byte, has none), `answered` (with a code that ends it, marked done on disk), `refused`
   * (answered with a code that does not end it: it repeats), `abandoned` (after `maxAttempts`), `expired` (after
   * `expireAfter`), `released` (a shared store gave it to another node, which sends it from then on; `code`
   * `ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST`), `waiting` (an attempt did not end it and it is not given up: refused,
   * unanswered (`code`: `ISO8583_ERR_CONNECTOR_TIMEOUT`, a connection refused or lost, ...), or not sent because its
   * store could not record it (`code`); its next attempt is due at `nextAttempt`; or it ended (answered, given up) and a
   * store out of reach did not record its end (`code`): not ended yet, never sent again in this process, its `done` is
   * tried again at `nextAttempt`).
   */
  stage: 'queued' | 'sent' | 'answered' | 'refused' | 'waiting' | 'abandoned' | 'expired' | 'released';
  /** What the entry is: `reversal` (the connector's own) or `advice` (sent with `saf: true`). */
  kind: SafEntryKind;
  /** The journal entry id. */
  id: string;
  /**
   * The MTI of the attempt: the entry's (0220, 0400) for its first attempt, the repeat (0221, 0401) for the others,
   * and for every attempt of an entry read back from the store at a start or taken over from another node (see
   * `attemptMti`); the entry's MTI when none was made (`attempt` 0).
   */
  mti: string;
  /** The STAN (field 11). */
  stan: string | undefined;
  /** The terminal (field 41). */
  terminal: string | undefined;
  /**
   * The attempt number, as the store records attempts (1 = the first recorded; 0 when none was made). An entry read
   * back at a start goes on from the attempts recorded; one sent by an earlier process without its attempt recorded
   * counts from 1 again, but goes as a repeat (`mti`). An attempt that never left for want of a connection is not
   * counted: it has no `sent` event, and its `waiting` event and the next attempt carry the same number (and MTI).
   */
  attempt: number;
  /** The host's response code (field 39), once answered. */
  responseCode?: string;
  /** The amount (field 4), once answered. */
  amount?: string;
  /**
   * The log code of an end without an answer (`ISO8583_WARN_SAF_EXPIRED`, `ISO8583_WARN_SAF_ABANDONED`), of a
   * release (`ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST`), or of what stopped an attempt short (`waiting`: the error's code;
   * absent after a `refused` answer).
   */
  code?: string;
  /**
   * With `waiting` only: when the entry is next due (ms since the epoch): its next attempt, `retryInterval` after the
   * last one left, or its expiry (`expireAfter`) if sooner; for an end its store did not record, the next try of its
   * `done`, `retryInterval` after the one that failed. Nothing happens to it before then unless it is flushed
   * (`Connector.flushSaf`).
   */
  nextAttempt?: number;
}

/** What the queue needs to know of the `saf` options (as resolved), and the connector's `requestTimeout`. */
export type SafSettings = Pick<ResolvedSafOptions, 'initialDelay' | 'retryInterval' | 'messageInterval' | 'maxInFlight' | 'maxAttempts' | 'expireAfter' | 'endCodes'> & {
  readonly requestTimeout: number;
};

/**
 * The MTI of attempt `n` (1-based): the first is the entry's MTI, the others its repeat (xxx1: 0221, 0421). With
 * `readBack` (an entry read back from the store at a start, or taken over from another node) every attempt is a
 * repeat, the first one here too: a previous process may have sent it without recording the attempt (a file journal
 * that could not write sends it anyway), and a repeat means "may have been sent before", which a host that never saw
 * the original handles as the original. Attempt 0 (none made) is the entry's MTI.
 */
export function attemptMti(base: string, attempt: number, readBack = false): string {
  return attempt === 0 || (attempt === 1 && !readBack) ? base : base.slice(0, 3) + '1';
}
