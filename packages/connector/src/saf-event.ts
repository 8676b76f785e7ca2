/**
 * What the store-and-forward (SAF) queue reports and needs: its events (`saf`, and `reversal` for the connector's own
 * reversals), what it asks of its connector, its settings, and the MTI of each attempt.
 */
import type { IsoMessage } from '@iso8583/codec';
import type { Logger } from 'pino';
import type { SafEntryKind } from './saf-store.js';
import type { SafEnd } from './saf-ends.js';

/** What the queue needs from its connector. */
export interface SafHost {
  /** Sends a message outside the per-terminal queue and without journaling; resolves with the response. */
  sendReversal(message: IsoMessage, timeout: number): Promise<IsoMessage>;
  /** Reports what happened to an entry. */
  reversalEvent(event: SafEvent): void;
  /** Records how an entry ended (the transaction log), once that is durable and before its event; must not throw. */
  safEnded(end: SafEnd): void;
  readonly logger: Logger;
}

/** A SAF event (`saf` for every entry; `reversal` for the connector's reversals): never carries card data. */
export interface SafEvent {
  /**
   * `queued` (journaled and now waiting in the queue: a reversal triggered, an advice stored, an entry an earlier
   * run or another node left; its first attempt follows after `initialDelay`, or at once for one sent before), `sent`
   * (an attempt left, after it was journaled), `answered` (with a code that ends it, marked done on disk), `refused`
   * (answered with a code that does not end it: it repeats), `abandoned` (after `maxAttempts`), `expired` (after
   * `expireAfter`), `released` (a shared store gave it to another node, which sends it from then on; `code`
   * `ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST`), `waiting` (an attempt did not end it and it is not given up: refused,
   * unanswered (`code`: `ISO8583_ERR_CONNECTOR_TIMEOUT`, a connection refused or lost, ...), or not sent because its
   * store could not record it (`code`); its next attempt is due at `nextAttempt`).
   */
  stage: 'queued' | 'sent' | 'answered' | 'refused' | 'waiting' | 'abandoned' | 'expired' | 'released';
  /** What the entry is: `reversal` (the connector's own) or `advice` (sent with `saf: true`). */
  kind: SafEntryKind;
  /** The journal entry id. */
  id: string;
  /** The MTI of the attempt. */
  mti: string;
  /** The STAN (field 11). */
  stan: string | undefined;
  /** The terminal (field 41). */
  terminal: string | undefined;
  /** The attempt number (1 = first; 0 when none was made). */
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
   * last one left, or its expiry (`expireAfter`) if sooner. Nothing happens to it before then unless it is flushed
   * (`Connector.flushSaf`).
   */
  nextAttempt?: number;
}

/** What the queue needs to know of the `saf` options. */
export interface SafSettings {
  readonly initialDelay: number;
  readonly retryInterval: number;
  readonly messageInterval: number;
  readonly maxAttempts: number;
  readonly expireAfter: number;
  readonly endCodes: readonly string[] | undefined;
  readonly requestTimeout: number;
}

/** The MTI of attempt `n` (1-based): the first is the entry's MTI, the others its repeat (xxx1: 0221, 0421). */
export function attemptMti(base: string, attempt: number): string {
  return attempt <= 1 ? base : base.slice(0, 3) + '1';
}
