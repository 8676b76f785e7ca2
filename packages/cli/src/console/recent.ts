/**
 * What the console shows of single transactions: a small ring of the last transaction records (the masked
 * `TransactionRecord` a connector's transaction recorder builds: the PAN as first 6 + last 4, never track data, PIN
 * block, field 55 or field 48), and the latencies since the last tick for the percentiles. Every record goes through
 * the connector's `toTransactionRecord` on its way in, the allow-list every transaction log applies: the console shows
 * exactly what the log keeps, by one rule. A record a recorder hands its observers went through it once already (the
 * recorder checks it once for its observers and its log): it is kept as it is, not converted again.
 *
 * The ring is fed by what the connectors already record, never by wrapping their request path again: the gateway
 * has each connector's recorder hand it every record it writes (`TransactionRecorder.observe`), or, with no
 * transaction log kept, hands the connectors the ring itself as their log (it is a {@link TransactionLog} that keeps
 * the last records in memory). {@link TransactionRing.wrap} records a target whose connectors may have no recorder
 * (the flow runner's), with the same recorder.
 */
import { pino } from 'pino';
import { readMessage } from '@iso8583/codec';
import type { Dialect, IsoMessage, MessageInput } from '@iso8583/codec';
import { TransactionRecorder, checkTransactionQuery, cursorText, matchesQuery, olderThan, readPlace, toPage, toTransactionRecord } from '@iso8583/connector';
import type { RouteTarget, TransactionLog, TransactionPage, TransactionQuery, TransactionRecord } from '@iso8583/connector';

/** The most latencies kept between two ticks (a burst beyond it is sampled by its first arrivals). */
const MAX_SAMPLES = 50_000;

/** The store letter of the ring's cursors (the connector's transaction-cursor.ts): `at`, then the order of arrival. */
const CURSOR = 'r';

/** What `record` resolves with: nothing to wait for (one promise for all). */
const RECORDED: Promise<void> = Promise.resolve();

/** The dialect a ring's records are judged by: its approval codes, and its fields (default none: nothing padded). */
export type RingDialect = Pick<Dialect, 'approvalCodes'> & Partial<Pick<Dialect, 'fields'>>;

/** Options of a {@link TransactionRing}. */
export interface TransactionRingOptions {
  /** How many records are kept. Default 50. */
  size?: number;
  /**
   * The dialect whose `approvalCodes` tell approved from declined (and whose fixed-length numeric fields are padded),
   * for the records {@link TransactionRing.wrap} builds. Default: `00` approves.
   */
  approvals?: RingDialect;
}

/** The last records and the latencies of the current tick; a transaction log kept in memory. */
export class TransactionRing implements TransactionLog {
  private readonly size: number;
  private readonly approvals: RingDialect;
  private readonly ring: TransactionRecord[] = [];
  /** The place of each record of the ring in the order of arrival (side by side with `ring`): the tie-break of its cursor. */
  private readonly arrivals: number[] = [];
  private samples: number[] = [];
  private changes = 0;

  /** Options: see {@link TransactionRingOptions}. */
  constructor(options: TransactionRingOptions = {}) {
    this.size = options.size ?? 50;
    this.approvals = options.approvals ?? {};
  }

  /**
   * Adds a record as a transaction log keeps it (`toTransactionRecord`: only the keys of a `TransactionRecord`, each
   * value checked, the PAN masked; a record a recorder's observer is handed is already that, and is kept as it is);
   * the oldest goes once the ring is full. Throws
   * `ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD` naming the key of an invalid record, and adds nothing.
   */
  add(record: TransactionRecord): void {
    const clean = toTransactionRecord(record);
    this.ring.push(clean);
    this.arrivals.push(this.changes);
    if (this.ring.length > this.size) {
      this.ring.shift();
      this.arrivals.shift();
    }
    if (this.samples.length < MAX_SAMPLES) this.samples.push(clean.latencyMs);
    this.changes += 1;
  }

  /** The newest `limit` records, in the order of `GET /transactions` from this ring: `at`, then the later arrival, first. */
  list(limit = this.size): TransactionRecord[] {
    return this.newest(() => true)
      .slice(0, limit)
      .map((i) => this.ring[i] as TransactionRecord);
  }

  /**
   * The places in the ring of the records `keep` keeps, newest first: the later `at`, then the later arrival. The ring
   * holds records in the order they settled: a slow request accepted earlier comes after a quick later one.
   */
  private newest(keep: (record: TransactionRecord, arrival: number) => boolean): number[] {
    const found: number[] = [];
    for (let i = 0; i < this.ring.length; i++) if (keep(this.ring[i] as TransactionRecord, this.arrivals[i] as number)) found.push(i);
    return found.sort((a, b) => (this.ring[b] as TransactionRecord).at - (this.ring[a] as TransactionRecord).at || (this.arrivals[b] as number) - (this.arrivals[a] as number));
  }

  /** How many records were added so far (to tell whether the list changed). */
  get version(): number {
    return this.changes;
  }

  /** The latencies (ms) since the last call, and starts a new tick. */
  takeLatencies(): number[] {
    const out = this.samples;
    this.samples = [];
    return out;
  }

  // ---- as a transaction log (memory only: the last `size` records) ----

  /** Nothing to open. */
  open(): Promise<void> {
    return RECORDED;
  }

  /** Adds the record ({@link TransactionRing.add}); resolves at once, or rejects as `add` throws (a handled promise). */
  record(record: TransactionRecord): Promise<void> {
    try {
      this.add(record);
    } catch (err) {
      const refused = Promise.reject(err as Error);
      refused.catch(() => undefined);
      return refused;
    }
    return RECORDED;
  }

  /**
   * The records kept that match `query` (checked, and matched, as every log does), newest (`at`) first, the later
   * arrival first among equal `at`s, after the cursor `before`; with the cursor of the next page when full.
   */
  async query(query: TransactionQuery): Promise<TransactionPage> {
    const q = checkTransactionQuery(query);
    const cursor = readPlace(CURSOR, q.before);
    const page = this.newest((r, arrival) => matchesQuery(r, q) && olderThan({ at: r.at, tie: arrival }, cursor)).slice(0, q.limit);
    const last = page.at(-1) as number;
    return toPage(
      page.map((i) => this.ring[i] as TransactionRecord),
      q.limit,
      () => cursorText(CURSOR, (this.ring[last] as TransactionRecord).at, this.arrivals[last] as number),
    );
  }

  /** Drops the records older than `before`; resolves with how many. */
  async prune(before: number): Promise<number> {
    const kept = this.ring.map((_, i) => i).filter((i) => (this.ring[i] as TransactionRecord).at >= before);
    const removed = this.ring.length - kept.length;
    const arrivals = kept.map((i) => this.arrivals[i] as number);
    this.ring.splice(0, this.ring.length, ...kept.map((i) => this.ring[i] as TransactionRecord));
    this.arrivals.splice(0, this.arrivals.length, ...arrivals);
    return removed;
  }

  /** Nothing to close. */
  close(): Promise<void> {
    return RECORDED;
  }

  /**
   * `target` with its `request`, `sendMessage` and `relay` recorded here (a proxy: everything else is the target's
   * own), by a transaction recorder of its own (node `console`), for targets whose connectors keep none. `upstream`
   * names it in the records; `approvals`, the dialect of the host that answers through it (a 1993 host approves with
   * `000`, a 1987 one with `00`), tells its approvals from its declines, and its `fields` pad the fixed-length numeric
   * fields as they travelled (a STAN sent as `301` recorded `000301`; without them, as given). Default: the ring's
   * `approvals`.
   */
  wrap<T extends RouteTarget>(target: T, upstream: string, approvals: RingDialect = this.approvals): T {
    const dialect = { fields: {}, ...approvals } as Dialect;
    const recorder = new TransactionRecorder(this, 'console', upstream, dialect, pino({ enabled: false }));
    const recorded = <R>(message: MessageInput | undefined, call: () => Promise<R>, view: (r: R) => IsoMessage | undefined): Promise<R> => {
      if (message === undefined) return call();
      return recorder
        .track(message, undefined, () =>
          call().then((r) => {
            const response = view(r);
            if (response === undefined) throw Object.assign(new Error('unreadable answer'), { code: 'unreadable', answer: r });
            return { message: response, answer: r };
          }),
        )
        .then(
          (r) => r.answer,
          (err: { code?: unknown; answer?: R }) => {
            if (err?.code === 'unreadable' && 'answer' in err) return err.answer as R;
            throw err;
          },
        );
    };
    const request = (message: MessageInput, options?: Parameters<RouteTarget['request']>[1]): Promise<IsoMessage> =>
      recorded(message, () => target.request(message, options), (r) => r);
    const send = (target.sendMessage as LooseSend).bind(target);
    const sendMessage: LooseSend = (input, options) => recorded(readable(input), () => send(input, options), (a) => readable(a) as IsoMessage | undefined);
    // The gateway's relay (bytes in, bytes out) is recorded by its decoded view, as `request` is.
    const relayOf = (target as { relay?: unknown }).relay;
    const relay =
      typeof relayOf !== 'function'
        ? undefined
        : (req: { message: MessageInput }, options?: unknown): Promise<{ message: IsoMessage }> =>
            recorded(req.message, () => (relayOf as (r: unknown, o?: unknown) => Promise<{ message: IsoMessage }>).call(target, req, options), (a) => a.message);
    return new Proxy(target, {
      get(t, key) {
        if (key === 'request') return request;
        if (key === 'relay' && relay !== undefined) return relay;
        if (key === 'sendMessage') return sendMessage;
        const value: unknown = Reflect.get(t, key, t);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
  }
}

/** A message read from what `sendMessage` takes or gives (XML, JSON text, object); nothing when it does not read. */
function readable(input: unknown): MessageInput | undefined {
  try {
    return readMessage(input as string | MessageInput).message;
  } catch {
    return undefined;
  }
}

/** `sendMessage` without its overloads. */
type LooseSend = (input: unknown, options?: unknown) => Promise<unknown>;

/** The `q` quantile (0..1) of `sorted` (ascending), nearest rank; undefined when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}
