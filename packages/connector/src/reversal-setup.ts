/**
 * How a connector sets up its SAF queue (reversal.ts `ReversalManager`): the settings it takes from the connector's
 * options, what it needs of the connector (the queue's host), and the events it tells of.
 */
import type { Dialect } from '@iso8583/codec';
import type { ReversalJournal } from './journal.js';
import type { ResolvedConnectorOptions } from './options.js';
import type { SafEvent, SafHost, SafSettings } from './saf-queue.js';
import { ReversalManager } from './reversal.js';

/** What the reversal manager needs from its connector (the SAF queue's host). */
export type ReversalHost = SafHost;

/**
 * The connector's SAF queue when reversal or SAF is on: one journal (a `FileJournal` in `saf.journalDir`, or the
 * store given) for its reversals and the advices sent with `saf: true`. Undefined when both are off.
 */
export function createSafQueue(o: ResolvedConnectorOptions, dialect: Dialect, host: ReversalHost, journal: ReversalJournal | undefined): ReversalManager | undefined {
  if (!(o.reversal.enabled || o.saf.enabled) || journal === undefined) return undefined;
  return new ReversalManager(host, journal, { ...o.saf, mti: o.reversal.mti, fields: o.reversal.fields, requestTimeout: o.requestTimeout }, dialect);
}

/** A `reversal` event: what happened to a reversal (a {@link SafEvent} of kind `reversal`). Never carries card data. */
export type ReversalEvent = SafEvent;

/** What the manager needs to know of the reversal and SAF options. */
export interface ReversalSettings extends SafSettings {
  /** `saf.maxEntries` (0 or absent: no limit; saf-room.ts). */
  readonly maxEntries?: number;
  readonly mti: string;
  readonly fields: readonly string[];
}
