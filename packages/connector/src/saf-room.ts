/**
 * The room `saf.maxEntries` leaves in the SAF queue for the entries callers store with `saf: true` (reversal.ts
 * `store`): a long outage of the host, or a client storing advices in a loop, must not grow the queue until the process
 * runs out of memory. At the limit an entry is refused before it is journaled (nothing stored, nothing sent: the caller
 * still holds it); the entries being journaled count too, so that concurrent stores cannot all pass it. The connector's
 * own reversals do not come here: they are never refused.
 */
import type { Iso8583Error } from '@iso8583/codec';
import { connectorError } from './errors.js';

/**
 * The refusal of an entry stored while the queue holds `held` entries not yet ended (with those being stored), at
 * `maxEntries` (0 or absent: no limit): `undefined` while there is room.
 */
export function safFull(held: number, maxEntries: number | undefined): Iso8583Error | undefined {
  if (maxEntries === undefined || maxEntries === 0 || held < maxEntries) return undefined;
  return connectorError('ISO8583_ERR_CONNECTOR_SAF_FULL', `the SAF queue holds ${maxEntries} entries not yet ended: not stored, not sent`, { field: 'saf.maxEntries' });
}

/** The entries callers store, checked against `saf.maxEntries` (see the file's note). */
export class SafRoom {
  /** Entries being journaled, not yet queued. */
  private storing = 0;

  constructor(
    /** The entries the queue holds not yet ended (its depth). */
    private readonly depth: () => number,
    /** `saf.maxEntries` (0 or absent: no limit). */
    private readonly maxEntries: number | undefined,
  ) {}

  /** Runs `add` (the journaling and queueing of one entry) when there is room, else fails with `ISO8583_ERR_CONNECTOR_SAF_FULL`. */
  async store<T>(add: () => Promise<T>): Promise<T> {
    const full = safFull(this.depth() + this.storing, this.maxEntries);
    if (full !== undefined) throw full;
    this.storing += 1;
    try {
      return await add();
    } finally {
      this.storing -= 1;
    }
  }
}
