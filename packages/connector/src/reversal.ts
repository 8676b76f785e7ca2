/**
 * Automatic reversal. An authorisation or financial request (0100, 0200, or their repeats 0101, 0201) whose outcome is
 * unknown — it timed out, the connection dropped after it was written, its response did not decode — is reversed: a
 * 0400 (or 0420 advice) with the original's fields of `reversal.fields` and field 90 (original data elements),
 * repeated as 0401 (0421) every `retryInterval` until the host answers. The reversal is journaled before the original
 * leaves; a later start sends whatever the journal still holds.
 *
 * With an ISO 8583:1993 dialect (`Dialect.version`) the same holds one version up: 1100/1200 (1101/1201) are reversed
 * with 1400 or 1420 (repeats 1401, 1421), the original data elements travel in field 56, and the reversal says what
 * it is in field 24 (function code 400, full reversal) and field 25 (message reason code 4021, timeout waiting for
 * the response).
 */
import { dialectVersion, inVersion } from '@iso8583/codec';
import type { IsoMessage, Iso8583Error, MessageInput, Dialect } from '@iso8583/codec';
import type { JournalEntry, ReversalJournal } from './journal.js';
import type { ResolvedConnectorOptions } from './options.js';
import { wireValue } from './match-key.js';
import { SafQueue, attemptMti } from './saf-queue.js';
import type { SafCounts, SafEvent, SafHost, SafSettings } from './saf-queue.js';
import { watchClaims } from './journal-claims.js';

/**
 * The fields a reversal carries by default (besides the MTI, field 0), and so the only fields of a request that reach
 * the journal on disk: what a host needs to find and undo the original. PAN (2), processing code (3), amount (4),
 * transmission date and time (7), STAN (11), local time and date (12, 13), POS entry mode (22), acquiring institution
 * (32), retrieval reference number (37), terminal (41), merchant (42), currency (49), original data elements (90) and
 * replacement amounts (95). An allow-list, so that a field a network uses for secrets (field 48 carries the CVV2 in
 * some) never lands on disk unless named in `reversal.fields`.
 */
export const REVERSAL_FIELDS: readonly string[] = ['2', '3', '4', '7', '11', '12', '13', '22', '32', '37', '41', '42', '49', '90', '95'];

/**
 * Fields a reversal never carries, even when named in `reversal.fields` (the option is refused): sensitive
 * authentication data, which must not be stored after authorisation: track 2 and 3 (35, 36), track 1 (45), the PIN
 * block (52) and ICC/EMV data (55).
 */
export const REVERSAL_EXCLUDED_FIELDS: readonly string[] = ['35', '36', '45', '52', '55'];

/**
 * True for the MTIs that are reversed when their outcome is unknown: authorisation and financial requests from the
 * acquirer, `0100` and `0200`, and their repeats `0101` and `0201`, and the same in ISO 8583:1993 (`1100`, `1200`,
 * `1101`, `1201`) (a repeat carries the same STAN and data as its
 * original: when its outcome is unknown, the transaction's is). Not advices (`0120`, `0220`: stored and forwarded,
 * not reversed), not responses, not messages originated by the issuer (`xxx2`, `xxx3`).
 */
export function isReversible(mti: string): boolean {
  return mti.length === 4 && (mti[0] === '0' || mti[0] === '1') && (mti[1] === '1' || mti[1] === '2') && mti[2] === '0' && (mti[3] === '0' || mti[3] === '1');
}

function plain(value: MessageInput[string]): string | IsoMessage | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'object') {
    const out: IsoMessage = {};
    for (const [k, v] of Object.entries(value)) {
      const p = plain(v);
      if (p !== undefined) out[k] = p;
    }
    return out;
  }
  return String(value);
}

/** The original's fields that field 90 (or 56) is built from: MTI, transmission date and time, STAN, local time, institutions. */
const ORIGINAL_DATA_FIELDS: readonly string[] = ['0', '7', '11', '12', '32', '33'];

/**
 * The reversal of a request: its fields named in `fields` (default {@link REVERSAL_FIELDS}; never
 * {@link REVERSAL_EXCLUDED_FIELDS}), the reversal MTI (`mti` in the version of the dialect: 0420 is sent as 1420 with
 * a 1993 dialect), and field 90 = original MTI (4) + STAN (6) + transmission date and time (10) + acquiring (11) and
 * forwarding (11) institution ids; with a 1993 dialect field 56 instead (see the module comment), with 24 and 25. The original MTI of a repeat (`0201`) is that of
 * the transaction (`0200`): the host keeps the transaction under it whichever of the two reached it.
 */
export function buildReversal(original: MessageInput, mti: string, dialect: Dialect, fields: readonly string[] = REVERSAL_FIELDS): IsoMessage {
  const out: IsoMessage = {};
  // Only the fields the reversal carries or builds field 90 / 56 from are read (a purchase's track 2 is not touched).
  const all: Record<string, string | IsoMessage> = {};
  for (const field of [...fields, ...ORIGINAL_DATA_FIELDS]) {
    if (field === '1' || field in all || !Object.hasOwn(original, field)) continue;
    const p = plain(original[field]);
    if (p !== undefined) all[field] = typeof p === 'string' ? wireValue(dialect.fields[field], p) : p;
  }
  for (const field of fields) {
    const value = all[field];
    if (value !== undefined && !REVERSAL_EXCLUDED_FIELDS.includes(field)) out[field] = value;
  }
  const text = (f: string, n: number): string => (typeof all[f] === 'string' ? (all[f] as string) : '').padStart(n, '0').slice(-n);
  const inst = (f: string): string => (typeof all[f] === 'string' ? (all[f] as string) : '').slice(-11).padStart(11, '0');
  const originalMti = text('0', 4);
  const transactionMti = isReversible(originalMti) ? originalMti.slice(0, 3) + '0' : originalMti;
  const version = dialectVersion(dialect);
  if (version === '1993') {
    // Field 56 (LLVAR n ..35): original MTI (4), STAN (6), local date and time (12, field 12), then the acquiring
    // institution id with its own 2-digit length (LLVAR n ..11), absent when the original had none.
    const acquirer = typeof all['32'] === 'string' ? (all['32'] as string).slice(-11) : '';
    out['56'] = transactionMti + text('11', 6) + text('12', 12) + (acquirer === '' ? '' : String(acquirer.length).padStart(2, '0') + acquirer);
    out['24'] = REVERSAL_FUNCTION_CODE;
    out['25'] = REVERSAL_REASON_TIMEOUT;
  } else {
    out['90'] = transactionMti + text('11', 6) + text('7', 10) + inst('32') + inst('33');
  }
  out['0'] = inVersion(mti, version);
  return out;
}

/** ISO 8583:1993 field 24 of a reversal: function code 400, full reversal. */
export const REVERSAL_FUNCTION_CODE = '400';
/** ISO 8583:1993 field 25 of an automatic reversal: message reason code 4021, timeout waiting for the response. */
export const REVERSAL_REASON_TIMEOUT = '4021';

/** The reversal MTI of attempt `n` (1-based): the first is the configured MTI, the others its repeat (0401, 0421). */
export { attemptMti };

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
  readonly mti: string;
  readonly fields: readonly string[];
}

let sequence = 0;

/** A new entry id, unique within a journal (time, process, sequence). */
function entryId(): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${Date.now().toString(36)}-${process.pid.toString(36)}-${sequence.toString(36)}`;
}

/**
 * Keeps the SAF queue's entries: reversals armed (journaled, original in flight) and entries being sent until they
 * end ({@link SafQueue}: the connector's reversals, and the advices stored with `saf: true`). One reversal sequence
 * per original across any number of restarts (see saf-queue.ts).
 */
export class ReversalManager {
  private readonly armed = new Map<string, JournalEntry>();
  private readonly queue: SafQueue;
  private stopClaims: (() => void) | undefined;

  constructor(
    private readonly host: ReversalHost,
    readonly journal: ReversalJournal,
    readonly options: ReversalSettings,
    readonly dialect: Dialect,
  ) {
    this.queue = new SafQueue(host, journal, options, dialect);
  }

  /** The reversal MTI in the version of the dialect (0400 / 0420, or 1400 / 1420 with a 1993 dialect). */
  private get mti(): string {
    return inVersion(this.options.mti, dialectVersion(this.dialect));
  }

  /** Reversals being sent (journaled, original's outcome unknown, not yet answered). */
  get pending(): number {
    return this.queue.reversals;
  }

  /** Entries waiting in the SAF queue (reversals and advices being sent until they end). */
  get depth(): number {
    return this.queue.depth;
  }

  /** How entries ended since the start: delivered, expired, abandoned. */
  get ended(): SafCounts {
    return this.queue.ended;
  }

  /** The SAF figures of `ConnectorStats`: depth, and how entries ended since the start. */
  figures(): { safDepth: number; safDelivered: number; safExpired: number; safAbandoned: number } {
    const ended = this.queue.ended;
    return { safDepth: this.queue.depth, safDelivered: ended.delivered, safExpired: ended.expired, safAbandoned: ended.abandoned };
  }

  /** Opens the journal; returns the entries an earlier run left unfinished, not yet started (see `resume`). */
  async open(): Promise<JournalEntry[]> {
    const left = await this.journal.open();
    // A shared store: entries whose holder died are taken over while running, not only at the start.
    this.stopClaims = watchClaims(this.journal, (entries) => this.resume(entries), this.host.logger);
    return left;
  }

  /** Starts sending the entries an earlier run left unfinished (what `open` returned). */
  resume(entries: readonly JournalEntry[]): void {
    for (const entry of entries) this.queue.activate(entry);
  }

  /** Journals the reversal of `original` before it is sent; resolves once durable. */
  async arm(original: MessageInput): Promise<JournalEntry> {
    const entry: JournalEntry = {
      id: entryId(),
      reversal: buildReversal(original, this.mti, this.dialect, this.options.fields),
      at: Date.now(),
    };
    await this.journal.add(entry);
    this.armed.set(entry.id, entry);
    return entry;
  }

  /**
   * Stores an advice (or a reversal the caller built) in the SAF queue: resolves with its entry once durable (the
   * caller's answer), then sends it in the background until it ends.
   */
  async store(advice: IsoMessage): Promise<JournalEntry> {
    const entry: JournalEntry = { id: entryId(), reversal: advice, at: Date.now(), kind: 'advice' };
    await this.journal.add(entry);
    this.queue.activate(entry);
    return entry;
  }

  /**
   * The original was answered: marks the entry done and resolves once that is durable, so that the caller sees the
   * response only when no later start can reverse it. When the record cannot be written, the outcome cannot be kept:
   * the original is reversed (its entry is still on disk) and this rejects with `ISO8583_ERR_CONNECTOR_JOURNAL`, so
   * that the caller sees a failure, consistent with the reversal.
   */
  async answered(entry: JournalEntry): Promise<void> {
    if (!this.armed.has(entry.id)) return;
    try {
      await this.journal.done(entry.id, 'not-needed');
      this.armed.delete(entry.id);
    } catch (err) {
      this.host.logger.error({ id: entry.id, code: (err as Iso8583Error).code }, 'the response could not be recorded in the journal: reversing it');
      this.trigger(entry);
      throw err;
    }
  }

  /** The original never left (or its failure says nothing reached the host): no reversal; resolves once durable. */
  async disarm(entry: JournalEntry): Promise<void> {
    if (!this.armed.delete(entry.id)) return;
    await this.journal.done(entry.id, 'not-needed').catch((err: Iso8583Error) => {
      this.host.logger.error({ id: entry.id, code: err.code }, 'cannot mark a reversal done in the journal');
    });
  }

  /** The original's outcome is unknown: start reversing. */
  trigger(entry: JournalEntry): void {
    if (!this.armed.delete(entry.id)) return;
    this.queue.activate(entry);
  }

  /** Sends at once the SAF entries waiting for their next attempt (see {@link SafQueue.flush}); returns how many. */
  flush(): number {
    return this.queue.flush();
  }

  /** Stops sending (on close): what is unfinished stays in the journal for the next start. */
  async stop(): Promise<void> {
    this.stopClaims?.();
    this.queue.stop();
    await this.journal.close();
  }
}
