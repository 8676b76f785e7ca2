/**
 * The recent transactions of the console's page: read from the durable transaction log (one query per tick, at most
 * one in flight, bounded by LOG_READ_TICKS), or from the ring of the transactions this process saw when there is no
 * durable log or it fails (the log's error code shown, never its text).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import type { TransactionLog, TransactionRecord } from '@iso8583/connector';
import type { Figures } from './figures.js';
import type { TransactionRing } from './recent.js';

/** The `recent` event: the last transactions, and where they come from. */
export interface RecentEvent {
  /** `log`: the transaction log's; `ring`: the ones this process saw (no durable log, or it fails). */
  source: 'log' | 'ring';
  /** The code of the transaction log's failure, when it fails and the ring is shown instead (never its message). */
  logError?: string;
  /** Newest first. */
  items: TransactionRecord[];
}

/** The code of a failure fit for a log line and the page (an error code, never the error's text). */
function failureCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code)) return code;
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^[A-Za-z]{1,64}$/.test(name) ? name : 'unknown';
}

/**
 * How many ticks (`tick`, default 1000 ms) a read of the transaction log may take: at the third tick after it started,
 * the page is answered from the ring with `logError: 'timeout'`, the late answer is ignored, and the next read starts
 * once that query settles ({@link LOG_READ_BUSY} meanwhile: at most one query of a log in flight). A
 * query that never settles (a custom log, a file log on a stuck mount) would otherwise hold every page's list forever.
 * Counted in ticks, not in time: a read is given up on a tick, as the lists are read and sent on ticks.
 */
export const LOG_READ_TICKS = 3;

/** The `logError` of a read of the transaction log that took longer than {@link LOG_READ_TICKS} ticks. */
export const LOG_READ_TIMEOUT = 'timeout';

/**
 * The `logError` of a read of the transaction log while its query given up ({@link LOG_READ_TIMEOUT}) has still not
 * settled: no second query is started on top of it (at most one query of a log in flight); the ring is shown until it
 * settles, and the next tick then reads the log again.
 */
export const LOG_READ_BUSY = 'busy';

/** What {@link recentReads} reads. */
export interface RecentReadsOptions {
  /** The ring of the transactions this process saw. */
  ring: TransactionRing;
  /** How many transactions a list holds. */
  limit: number;
  /** The durable log the connectors record to now, `undefined` when there is none (or it is the ring). */
  durableLog: () => TransactionLog | undefined;
  /** The figures whose ticks pace the reads. */
  figures: Figures;
  /** Where a failing log is reported (its code, once per run of failures). */
  logger: Logger | FastifyBaseLogger;
}

/** Makes the console's reader of the recent transactions: each call answers the current tick's list. */
export function recentReads(options: RecentReadsOptions): () => Promise<RecentEvent> {
  const { durableLog, figures, logger } = options;
  const recentLimit = options.limit;
  // A failing log: the page shows the ring with the log's error code; the log line is written once per run of
  // failures (the query is tried again each tick), and once more when the log answers again.
  let failing: string | undefined;
  // The logs with a query in flight, given up or not: a log that hangs is asked once, not once every LOG_READ_TICKS.
  const querying = new WeakSet<TransactionLog>();
  // `expiry`: rejects when the read is given up (LOG_READ_TICKS), the query's late answer ignored.
  const recent = async (expiry?: Promise<never>): Promise<RecentEvent> => {
    const log = durableLog();
    if (log !== undefined) {
      try {
        if (querying.has(log)) throw Object.assign(new Error('the transaction log has not answered an earlier read'), { code: LOG_READ_BUSY });
        // Bounded: a read that does not settle answers from the ring (LOG_READ_TICKS), and `reading` is cleared.
        const query = log.query({ limit: recentLimit });
        querying.add(log);
        const settled = (): void => {
          querying.delete(log);
        };
        void Promise.resolve(query).then(settled, settled);
        const items = await (expiry === undefined ? query : Promise.race([query, expiry]));
        if (failing !== undefined) logger.info({ code: failing }, 'the console reads the transaction log again');
        failing = undefined;
        return { source: 'log', items };
      } catch (err) {
        const code = failureCode(err);
        if (failing === undefined) {
          logger.warn({ code }, `the console cannot read the transaction log (${code}): it shows the transactions this process saw`);
        }
        failing = code;
        return { source: 'ring', logError: code, items: options.ring.list(recentLimit) };
      }
    }
    return { source: 'ring', items: options.ring.list(recentLimit) };
  };

  // One query of the durable log per tick, whatever the number of open streams: each stream's push reads the same
  // answer (the ring, in memory, is read by each).
  // At most one read at a time: a read that takes longer than a tick (a slow disk, a database in trouble) answers the
  // ticks that come meanwhile, rather than a new read started each second on top of it (the log is the one the
  // transactions are written to). A read is bounded (LOG_READ_TICKS): one that never settles does not hold the list.
  let tickRecent: ReturnType<typeof recent> | undefined;
  let reading: { answer: ReturnType<typeof recent>; startedAt: number; expire(): void } | undefined;
  let tickCount = 0;
  figures.subscribe(() => {
    tickCount += 1;
    tickRecent = undefined;
    // Before the streams' pushes of this tick (subscribed first): a read given up answers them from the ring.
    if (reading !== undefined && tickCount - reading.startedAt >= LOG_READ_TICKS) reading.expire();
  });
  const readLog = (): ReturnType<typeof recent> => {
    if (reading !== undefined) return reading.answer;
    let expire!: () => void;
    const expiry = new Promise<never>((_resolve, reject) => {
      expire = () => reject(Object.assign(new Error('the transaction log did not answer in time'), { code: LOG_READ_TIMEOUT }));
    });
    // Handled when the read no longer races it (settled, or the log gone since).
    void expiry.catch(() => undefined);
    const entry = { answer: recent(expiry), startedAt: tickCount, expire };
    reading = entry;
    const done = (): void => {
      if (reading === entry) reading = undefined;
    };
    void entry.answer.then(done, done);
    return entry.answer;
  };
  return () => (durableLog() === undefined ? recent() : (tickRecent ??= readLog()));
}
