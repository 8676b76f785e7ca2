/**
 * What the file journal's running side (journal-overtaken.ts, whose note says why the journal keeps reversals that
 * undid nothing) and its replay (journal-overtaken-replay.ts) both name such a reversal by: its booking, its
 * transaction, the end its `done` record keeps, the repeat a start stores of it, and the log of those dropped.
 */
import type { Dialect, IsoMessage } from '@iso8583/codec';
import type { Logger } from 'pino';
import { OVERTAKEN_MAX } from './reversal-overtaken.js';
import { sameBooking } from './transactions-in-flight.js';
import { transactionKey } from './match-key.js';
import { logQuietly } from './quiet-log.js';

/**
 * The fields as the journal's reversals carry them: as the wire does (a reversal carries its original's fields padded
 * by its dialect, match-key.ts `transactionKey`), so no padding is applied to compare them.
 */
const AS_STORED: Pick<Dialect, 'fields'> = { fields: {} };

/** Whether the reversals `a` and `b` the journal holds name one booking (transactions-in-flight.ts `sameBooking`). */
export function sameStored(a: IsoMessage, b: IsoMessage): boolean {
  return sameBooking(AS_STORED, a, b);
}

/**
 * The transaction key (STAN and terminal, transactions-in-flight.ts `transactionKey`) of a reversal the journal holds:
 * two that differ in it never name one booking (`sameStored` compares it first).
 */
export function storedKey(reversal: IsoMessage): string {
  return transactionKey(AS_STORED, reversal['11'], reversal['41']);
}

/** What the `done` record of a reversal that undid nothing keeps: its answer's code, and when it was first answered so. */
export interface UndidNothing {
  /** The response code (field 39) of the answer that ended it. */
  readonly rc: string;
  /** When the reversal was first answered with a code that undid nothing (ms since the epoch). */
  readonly since: number;
}

/**
 * The transaction a reversal names (its fields 11 and 41), for a message of the reversal class (`repeat`: a repeat of
 * one only, `0401`, `0421`, `1421`); else `undefined`.
 */
export function overtakenKey(message: IsoMessage, repeat = false): string | undefined {
  const mti = String(message['0'] ?? '');
  if (mti[1] !== '4' || (repeat && mti[3] !== '1')) return undefined;
  return `${String(message['11'] ?? '')}\u0000${String(message['41'] ?? '')}`;
}

/**
 * The id of the repeat a start stores for entry `of`: the same at every read of the same file (`<id>~1`; of a repeat
 * `<id>~n`, `<id>~n+1`). Unique: the open's compaction writes it and drops the record it comes from in one rename.
 */
export function againId(of: string): string {
  const m = /^(.*)~(\d+)$/.exec(of);
  return m === null ? `${of}~1` : `${m[1] as string}~${Number(m[2]) + 1}`;
}

/**
 * Logs once (at `error`, `ISO8583_WARN_SAF_OVERTAKEN_LOST`, cause `OVERTAKEN_MAX`) that `dropped` reversals that undid
 * nothing were not kept (`when`): should their originals be approved late, they are NOT reversed. No card data.
 */
export function lostPastMax(logger: Logger, dropped: number, when: string): void {
  // Quietly: it runs inside the journal's commit of a batch (and its replay), which a throwing log stream must not cut
  // short (sr68o #1: the batch's adds would miss the live set a compaction writes).
  logQuietly(
    logger,
    'error',
    { code: 'ISO8583_WARN_SAF_OVERTAKEN_LOST', cause: 'OVERTAKEN_MAX', max: OVERTAKEN_MAX, dropped },
    `reversals answered with a code that undid nothing past the ${OVERTAKEN_MAX} the journal keeps were dropped ${when}, the oldest first: should their originals be approved late, they are NOT reversed; check with the host`,
  );
}

/** What a stop counts of a kept record (no card data): the repeat the next start stores, and the code. */
export interface KeptEnd {
  /** The id of the repeat the next start stores (`againId`). */
  readonly id: string;
  /** The repeat's MTI, STAN and terminal. */
  readonly mti: string;
  readonly stan: string;
  readonly terminal: string;
  readonly responseCode: string;
  /** When the reversal was first answered with a code that undid nothing. */
  readonly since: number;
}
