/**
 * The SAF entries no node takes: pending, out of any attempt's flight, and either claimable for longer than a lease
 * (their lease ended long ago) or held by an owner provably gone (owner-lock-sql.ts), under an upstream key no running
 * node claims (a configuration that dropped an upstream, or renamed it without `formerUpstreams`). Nothing sends them:
 * money stays unreversed until an operator adds a node of that upstream. A process counts them once a minute per store
 * (`STRANDED_CHECK_INTERVAL`: one statement, never one per claim, nor one per upstream: the journals of one store, by its
 * URL's key (store-key.ts: one database however its URL is spelled) or the pool given, share one count, made at the
 * first renewal of any of them once the minute passed), and warns with the count and the upstream keys (no card data) once an upstream is found at two checks in a row (a node that
 * serves it takes such entries within its claim interval, so one sighting may be an owner gone a moment ago).
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { STRANDED } from './saf-sql.js';
import { storeKey } from './store-key.js';

/** Milliseconds between two counts of the entries no node takes (at the first renewal after it passed). */
export const STRANDED_CHECK_INTERVAL = 60_000;

/** Most upstream keys named in the figure and the warning (the count covers them all). */
const MOST_NAMED = 20;

/** The entries no node takes, as the last check found them (see the module comment). */
export interface StrandedFigure {
  /** Entries pending under the upstream keys of `upstreams` that no node took (found at two checks in a row). */
  entries: number;
  /** Those upstream keys, sorted (at most 20). */
  upstreams: string[];
}

/** A journal sharing a count: where the count's warning goes while it reports, and its lease. */
interface Member {
  logger: Logger;
  /** Milliseconds an entry must have been claimable (its lease ended) to count: a node serving it would have taken it. */
  after: number;
}

/** The counts of this process, one per store: its connection string's key ({@link storeKey}), or the pool given. */
const counts = new Map<string | pg.Pool, StrandedEntries>();

/** The count of the entries no node takes in one store, made at a bounded rate; see the module comment. */
export class StrandedEntries {
  /** As the last check found them; none before the first. */
  figure: StrandedFigure = { entries: 0, upstreams: [] };
  /** The upstream keys the check before found stranded. */
  private previous = new Set<string>();
  private last = -Infinity;
  /** The journals that share this count, in the order they joined: the first reports it (`reports`). */
  private readonly members = new Map<object, Member>();

  private constructor(private readonly store: string | pg.Pool) {}

  /**
   * The count of `store` (a connection string, read by its key: {@link storeKey}; or a pool), made at the first join,
   * shared from now on with `member` (a journal, open), whose `logger` warns while it reports the count, and whose lease `after` (ms) is how long an entry must have been claimable to
   * count (the longest of the members' leases counts: no node serving an entry leaves it that long).
   */
  static join(store: string | pg.Pool, member: object, logger: Logger, after: number): StrandedEntries {
    const key = typeof store === 'string' ? storeKey(store) : store;
    let count = counts.get(key);
    if (count === undefined) {
      count = new StrandedEntries(key);
      counts.set(key, count);
    }
    count.members.set(member, { logger, after });
    return count;
  }

  /** `member` (closing) no longer shares the count; the next one to have joined reports it. The last one forgets it. */
  leave(member: object): void {
    this.members.delete(member);
    if (this.members.size === 0 && counts.get(this.store) === this) counts.delete(this.store);
  }

  /**
   * Whether `member` is the one of the journals sharing this count that reports it (the first to join still open),
   * so that a sum of the figures those report, one per store, is right.
   */
  reports(member: object): boolean {
    return this.members.keys().next().value === member;
  }

  /** Counts them when `STRANDED_CHECK_INTERVAL` ms passed since the last count of the store (a failure is the renewal's). */
  async due(pool: pg.Pool): Promise<void> {
    if (performance.now() - this.last < STRANDED_CHECK_INTERVAL) return;
    this.last = performance.now();
    await this.check(pool);
  }

  /** Counts them now; warns when an upstream's entries were found at this check and the one before. */
  async check(pool: pg.Pool): Promise<void> {
    const reporter = this.members.values().next().value;
    if (reporter === undefined) return; // every journal of the store closed meanwhile
    const after = Math.max(...[...this.members.values()].map((m) => m.after));
    const { rows } = await pool.query<{ upstream: string; entries: number }>(STRANDED, [after]);
    const found = new Set(rows.map((r) => r.upstream));
    const again = rows.filter((r) => this.previous.has(r.upstream));
    this.previous = found;
    const upstreams = again.map((r) => r.upstream).slice(0, MOST_NAMED);
    this.figure = { entries: again.reduce((n, r) => n + r.entries, 0), upstreams };
    if (again.length === 0) return;
    reporter.logger.warn(
      { code: 'ISO8583_ERR_CONNECTOR_STORE', stranded: this.figure.entries, upstreams },
      'SAF entries no node takes: pending under upstream keys no running node claims (their lease long ended, or their node gone); nothing sends them until a node serves those keys (an upstream, or its formerUpstreams)',
    );
  }
}
