/**
 * What an upstream group on a shared PostgreSQL store asks of a member's SAF journal (upstream-group-originals.ts): the
 * guard of an original's add widened to every upstream of the group (a transaction pending under any bank, on any node,
 * refuses a repeat of it), and the upstream an original went to by the store's records. The base class of
 * `PgJournalRenewal`.
 */
import { PgJournalBatches } from './journal-batches.js';
import { refuseStoreKeys } from './journal-options.js';
import { originalUpstream } from './originals-sql.js';
import type { OriginalAsked, ReversalJournal } from '../saf-store.js';

/** The group's questions to a {@link PgJournalBatches}; see the module comment. */
export abstract class PgJournalGroup extends PgJournalBatches {
  /**
   * Widens the guard of an original's add to the upstream keys `keys` (a group's other upstreams, with their former
   * keys): a transaction pending under any, on any node, refuses its request here (`DUPLICATE_KEY`), whatever bank.
   * Keys are checked as `upstream` is (journal-options.ts `storeKeyProblem`): one the store cannot hold as given is
   * refused (`ISO8583_ERR_CONNECTOR_OPTIONS`, field `guardAcross/I`; `guardAcross` when not an array), the guard left as
   * it was.
   */
  guardAcross(keys: readonly string[]): void {
    refuseStoreKeys(keys, 'guardAcross');
    const guards = [...new Set([...this.claims, ...keys])];
    // The transaction key's name (`txn`, saf-sql.ts ADD): the same for every upstream of the group, on every node.
    this.txnName = [...guards].sort()[0] as string;
    this.guards = guards;
  }

  /** True when `other` is a PostgreSQL journal of the same store: the same `url` (as given), else the same `pool`. */
  sameStore(other: ReversalJournal): boolean {
    if (!(other instanceof PgJournalGroup)) return false;
    return this.url !== undefined ? other.url === this.url : other.url === undefined && other.pool === this.pool;
  }

  /** The upstream key an original went to by the store's records, any node's (pg/originals-sql.ts); rejects coded. */
  async originalUpstream(asked: OriginalAsked): Promise<string | undefined> {
    try {
      return await originalUpstream(this.ready(), asked);
    } catch (err) {
      throw this.failure('cannot find where an original went', err);
    }
  }
}
