/**
 * Building a transaction record from a request, its response or its failure, and handing it to the transaction log
 * without making the request wait. Only the fields listed in {@link TransactionRecord} are copied: the PAN (field 2,
 * else the PAN part of track 2, field 35) masked to its first 6 and last 4 digits (`maskPan`), never track data (35,
 * 36, 45), the PIN block (52), EMV data (55) or field 48. Fixed-length numeric fields given shorter (`"11": 42`) are
 * recorded as they travelled (`000042`). Observers ({@link TransactionRecorder.observe}: the operator console's recent
 * transactions) see each record as it is written: the request path is observed once, here.
 */
import { hostname } from 'node:os';
import { isApproved, maskPan, trackPan } from '@iso8583/codec';
import type { Dialect, IsoMessage, MessageInput } from '@iso8583/codec';
import type { Logger } from 'pino';
import type { ResolvedConnectorOptions } from './options.js';
import type { SafEnd } from './saf-queue.js';
import type { TransactionLog, TransactionOutcome, TransactionRecord } from './transaction-log.js';
import { FileTransactionLog } from './transaction-log-file.js';
import { PlainRecord } from './plain-record.js';
import { fitsRecord, sealedTransactionRecord } from './transaction-allow-list.js';
import type { TextKey } from './transaction-allow-list.js';
import { logCapped, logQuietly } from './quiet-log.js';
import { reportedFailures } from './transaction-log-episodes.js';
import { LogLimits } from '@iso8583/metrics';

/** The node name of the records when none is given: the host name and the pid (`gw-1:4242`). */
export function defaultNode(): string {
  return `${hostname()}:${process.pid}`;
}

/** The request fields a record copies, by record key (field 2 is masked; 38 and 39 come from the response). */
const FIELDS = [
  ['processingCode', '3'],
  ['amount', '4'],
  ['transmissionTime', '7'],
  ['stan', '11'],
  ['localTime', '12'],
  ['localDate', '13'],
  ['rrn', '37'],
  ['terminal', '41'],
  ['merchant', '42'],
  ['currency', '49'],
] as const;


/** Where a request's record goes instead of the log (see {@link RECORD_TO}). */
export type RecordTo = (record: TransactionRecord) => void;

/** Sees every record a recorder writes ({@link TransactionRecorder.observe}). */
export type TransactionObserver = (record: TransactionRecord) => void;

/** The PAN of a request masked: field 2, else the PAN part of track 2 (35, read by the codec's `trackPan`); none when neither reads as one. */
function maskedPan(request: MessageInput): string | undefined {
  const track = text(request['35']);
  const pan = text(request['2']) ?? (track === undefined ? undefined : trackPan(track));
  return pan === undefined ? undefined : maskPan(pan);
}

/** Lines a second, at most, of the batches a store fails (for each code): the rest are counted (`suppressed`). */
const RECORD_FAILURE_LINES_PER_SECOND = 20;

/**
 * What the connector hands a finished request to: it builds the record and records it, counting and logging a failed
 * write (once per failed batch), never failing the request.
 */
export class TransactionRecorder {
  /**
   * The recorder of a connector: its `transactionLog`, else a file store in its reversal journal folder (which the
   * connector then owns: {@link TransactionRecorder.close} closes it), else none (`undefined`; also for `false`).
   */
  static forConnector(o: ResolvedConnectorOptions, dialect: Dialect, logger: Logger): TransactionRecorder | undefined {
    if (o.transactionLog === false) return undefined;
    const dir = o.reversal.enabled ? o.reversal.journalDir : undefined;
    const own = o.transactionLog === undefined && dir !== undefined ? new FileTransactionLog(dir, { logger }) : undefined;
    const log = o.transactionLog ?? own;
    if (log === undefined) return undefined;
    const recorder = new TransactionRecorder(log, o.node ?? defaultNode(), `${o.host}:${o.port}`, dialect, logger);
    recorder.own = own;
    return recorder;
  }

  /** The upstream the records name (the group sets each upstream's name; default `host:port`). */
  upstream: string;
  /** The log this recorder made, and so closes. */
  private own: FileTransactionLog | undefined;
  /**
   * Failed writes since the recorder was made, counted once per promise the log rejected, not once per record: the
   * records that share one promise count as one failure. With the file store that is a batch; with the PostgreSQL
   * store (`PgTransactionLog`) it is a group, the records recorded together until its next batch leaves (a group larger
   * than `maxBatch` spans several batches, and a batch dropped or refused by the database fails every group it
   * holds). A record refused by the allow-list has a promise of its own: one failure. How many records were lost is
   * the log's own figure (`dropped` in the PostgreSQL store's `stats()`); a log shared by several recorders (the
   * connectors of an upstream group) may have one failed group counted by each of them. A record that cannot be made
   * or handed on at all (a throw while building it, or from the place it goes instead of the log) counts once too.
   * Starts at 0.
   */
  writeFailures = 0;
  private lastBatch: Promise<void> | undefined;
  /** The cap on the lines of failed batches: a store that fails every batch (10 ms apart) would write 100 a second. */
  private readonly failureLines = new LogLimits(RECORD_FAILURE_LINES_PER_SECOND);
  /** The fixed length of each fixed-length numeric field copied, by its place in `FIELDS` (pad with zeros to it). */
  private readonly widths: (number | undefined)[];
  /** Who sees each record as it is written. */
  private observers: readonly TransactionObserver[] = [];

  constructor(
    /** The log records go to. */
    readonly log: TransactionLog,
    /** The node name in each record. */
    readonly node: string,
    upstream: string,
    private readonly dialect: Dialect,
    private readonly logger: Logger,
  ) {
    this.upstream = upstream;
    this.widths = FIELDS.map(([, id]) => {
      const spec = dialect.fields[id];
      return spec !== undefined && spec.prefix === undefined && (spec.type === 'n' || spec.type === 'xn') ? spec.length : undefined;
    });
  }

  /**
   * Times a request and records its outcome once: `run` accepts it and reports the message as it leaves (`seen`,
   * after auto-fill); the record goes to `recordTo` when given, else to the log. The outcome is `run`'s, untouched.
   * The promise form of {@link TransactionRecorder.settled}, for a caller that holds a promise of the response.
   */
  track<R extends { message: IsoMessage }>(input: MessageInput, recordTo: RecordTo | undefined, run: (seen: (m: MessageInput) => void) => Promise<R>): Promise<R> {
    const at = Date.now();
    const t0 = performance.now();
    let message = input;
    return run((m) => (message = m)).then(
      (response) => {
        this.settled(message, response.message, undefined, at, t0, recordTo);
        return response;
      },
      (err: { code?: string }) => {
        this.settled(message, undefined, err?.code, at, t0, recordTo);
        throw err;
      },
    );
  }

  /**
   * Records the one outcome of `request`, which came at `at` (`Date.now()`) and `t0` (`performance.now()`): answered
   * with `response`, else failed with `code` (a refusal too); to `recordTo` when given, else to the log. Never throws:
   * a record that cannot be made or handed on is counted in `writeFailures` and logged. What every path that ends a
   * request calls once ({@link TransactionRecorder.track}, which the console uses, and the connector's
   * request outcomes).
   */
  settled(request: MessageInput, response: IsoMessage | undefined, code: string | undefined, at: number, t0: number, recordTo: RecordTo | undefined): void {
    try {
      const latencyMs = performance.now() - t0;
      const record = response === undefined ? this.failed(request, code, at, latencyMs) : this.answered(request, response, at, latencyMs);
      if (recordTo === undefined) this.write(record);
      else recordTo(record);
    } catch (err) {
      // Never thrown at the request: its outcome stands (an answered purchase must not look failed).
      this.unwritten(err, request);
    }
  }

  /**
   * Records how a SAF entry ended, once that is durable in the journal: one record per entry, of the MTI of its last
   * attempt (`0400`, `0401`, `0221`), outcome `reversed` (a reversal answered with a code that ends it), `delivered`
   * (an advice so answered), `expired` or `abandoned` (with `errorCode`, the log code). Never throws (as `settled`).
   */
  safEnded(end: SafEnd): void {
    try {
      const record = this.build(end.message, end.at, end.latencyMs, end.outcome, end.response);
      if (end.code !== undefined) record.errorCode = end.code;
      this.write(record);
    } catch (err) {
      this.unwritten(err, end.message);
    }
  }

  /** A record of `request` that could not be made or handed on: counted as a failed write, logged with its code and MTI only. */
  private unwritten(err: unknown, request: MessageInput): void {
    this.writeFailures += 1;
    const mti = text(request['0']);
    logQuietly(this.logger, 'error', { code: (err as { code?: string } | undefined)?.code ?? 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', mti: mti !== undefined && fitsRecord('mti', mti) ? mti : undefined }, 'a transaction record was not written');
  }

  /** Closes the log this recorder made (a log given to the connector is its giver's to close). */
  async close(): Promise<void> {
    await this.own?.close().catch((err: { code?: string }) => logQuietly(this.logger, 'error', { code: err?.code }, 'the transaction log cannot be closed'));
  }

  /** The record of an answered request: approved or declined by the dialect's approval codes (field 39). */
  answered(request: MessageInput, response: IsoMessage, at: number, latencyMs: number): TransactionRecord {
    return this.build(request, at, latencyMs, isApproved(this.dialect, response['39']) ? 'approved' : 'declined', response);
  }

  /** The record of a request that failed: `timeout` for `ISO8583_ERR_CONNECTOR_TIMEOUT`, else `error`; with the code. */
  failed(request: MessageInput, code: string | undefined, at: number, latencyMs: number): TransactionRecord {
    const record = this.build(request, at, latencyMs, code === 'ISO8583_ERR_CONNECTOR_TIMEOUT' ? 'timeout' : 'error', undefined);
    if (code !== undefined) record.errorCode = code;
    return record;
  }

  /** Builds a record: the request's fields (the PAN masked), the response's MTI, 38 and 39, the outcome; a value the record cannot hold is left out (`put`). */
  build(request: MessageInput, at: number, latencyMs: number, outcome: TransactionOutcome, response: IsoMessage | undefined): TransactionRecord {
    // One allocation for the record, whatever keys it ends up with (see plain-record.ts); the same keys, same order.
    const record = new PlainRecord() as unknown as TransactionRecord;
    record.at = at;
    record.node = this.node;
    record.upstream = this.upstream;
    const mti = text(request['0']);
    record.mti = mti !== undefined && fitsRecord('mti', mti) ? mti : '';
    record.latencyMs = Math.round(latencyMs * 1000) / 1000;
    record.outcome = outcome;
    put(record, 'pan', maskedPan(request));
    for (let i = 0; i < FIELDS.length; i++) {
      const [key, id] = FIELDS[i] as (typeof FIELDS)[number];
      let value = text(request[id]) ?? (response === undefined ? undefined : text(response[id]));
      if (value === undefined) continue;
      const width = this.widths[i];
      if (width !== undefined && value.length < width && /^[0-9]+$/.test(value)) value = value.padStart(width, '0');
      put(record, key, value);
    }
    if (response !== undefined) {
      put(record, 'responseMti', text(response['0']));
      put(record, 'authCode', text(response['38']));
      put(record, 'responseCode', text(response['39']));
    }
    return record;
  }

  /**
   * Calls `observer` with every record written from now on (each request's once, and each SAF entry's end), in
   * the turn its outcome is known, as a store keeps it (the allow-list applied: `toTransactionRecord`; frozen); a
   * record the allow-list refuses is not observed. Returns the function that stops it. An observer that throws is
   * logged, never the request's concern.
   */
  observe(observer: TransactionObserver): () => void {
    this.observers = [...this.observers, observer];
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
    };
  }

  /**
   * Hands a record to the observers and the log; a failed batch is logged once (every record of it shares its promise).
   * With observers, the record goes through the stores' allow-list once, here (`sealedTransactionRecord`), and the
   * observers and the log are given that same checked record (none of them checks it again); one the allow-list
   * refuses is observed by none, and the log refuses it, as it would have.
   */
  write(record: TransactionRecord): void {
    if (this.observers.length > 0) {
      let clean: TransactionRecord | undefined;
      try {
        clean = sealedTransactionRecord(record);
      } catch {
        // The log refuses it below, with the same error, counted and logged as a failed write.
      }
      if (clean !== undefined) {
        record = clean;
        for (const observer of this.observers) {
          try {
            observer(record);
          } catch (err) {
            logQuietly(this.logger, 'error', { code: (err as { code?: unknown })?.code }, 'a transaction observer failed');
          }
        }
      }
    }
    let batch: Promise<void>;
    try {
      batch = this.log.record(record);
    } catch (err) {
      batch = Promise.reject(err as Error);
    }
    if (batch === this.lastBatch) return;
    this.lastBatch = batch;
    batch.catch((err: { code?: string; field?: string }) => {
      this.writeFailures += 1;
      // A failure the log told of itself (the file log's episode lines): counted, no second line for every batch.
      if (typeof err === 'object' && err !== null && reportedFailures.has(err)) return;
      // The code and the key the store named (`field`), never a value: a refused record's values are unchecked.
      const code = err?.code ?? 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG';
      logCapped(this.logger, this.failureLines, `${code} ${err?.field}`, 'error', { code, field: err?.field }, 'a transaction record was not written');
    });
  }
}

/**
 * Where a request's record goes instead of the log (`SendOptions[RECORD_TO]`): an upstream group that may try the
 * request again on another upstream keeps only the last attempt's record, so that each request is recorded once.
 * Internal to the connector package.
 */
export const RECORD_TO: unique symbol = Symbol('iso8583.recordTo');

/**
 * Sets `key` of a record being built to a value from a message when the record may hold it ({@link fitsRecord}: no
 * longer than its field, no control character), and leaves it out otherwise: a value its field cannot carry (a PAN of
 * 20 digits, masked; a 1993-style field 38 of 8 characters; a control character) never costs the request its record,
 * which the allow-list would refuse whole. Every message value a record copies goes through here.
 */
function put(record: TransactionRecord, key: TextKey, value: string | undefined): void {
  if (value !== undefined && fitsRecord(key, value)) (record as unknown as Record<string, string>)[key] = value;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined;
}
