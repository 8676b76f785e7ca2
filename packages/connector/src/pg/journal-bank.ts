/**
 * The bank a running node's store keys belong to (the layer of `PgJournal` between journal-group.ts and
 * journal-renewal.ts). A start records its upstream (`address`, `host:port`) per key and is refused over another
 * bank's (upstream-marker.ts); but a node already running does not see a key's row change under it: a start at another
 * bank over a key while this node's owner lock was being taken again, after its lease lapsed, or with the owner lock off
 * (`ownerLock: false`: no running node is seen at all), or the row rewritten by hand. So each renewal reads the rows of
 * its keys ({@link PgJournalBank.checkBanks}): a key recorded for another bank is this node's no more until its row
 * names this node's bank again: none of its entries is claimed (`claimKeys`, and the late approvals and repeats owed
 * are not read there), no entry is added under it (the request is not sent), none is handed back (`release`: at
 * close, or let go; an entry belongs to the bank it was added for, and the other bank's nodes would send it to theirs:
 * kept under this node's lease, logged with its count), and the key is logged (that code, at error, once) and reported (`keysAtOtherBank`, the
 * `iso8583_connector_saf_other_bank` gauge). A key with no row (deleted to move a bank to a new address) stays this
 * node's. And what a journal's keys owe, read without opening it (`owedUnopened`).
 */
import { connectorError } from '../errors.js';
import type { JournalOwed } from '../journal-read-owed.js';
import { PgJournalGroup } from './journal-group.js';
import type { PgJournalOptions } from './journal-options.js';
import { createPgPool } from './pool.js';
import { pendingUnder, upstreamAddress } from './upstream-marker.js';
import type pg from 'pg';

/** A key of this node that its row (`iso8583_saf_upstream`) records for another bank, as the last renewal read it. */
export interface KeyAtOtherBank {
  /** The store key. */
  key: string;
  /** The upstream (`host:port`) its row names. */
  recorded: string;
}

/** The rows of the keys `$1` (an array). */
const MARKERS = 'SELECT upstream, address FROM iso8583_saf_upstream WHERE upstream = ANY($1::text[])';

/** The entries of `$1` (an array) stored under a key with a row, and the bank it names. */
const ENTRIES_BANK = 'SELECT s.id, m.address FROM iso8583_saf s JOIN iso8583_saf_upstream m ON m.upstream = s.upstream WHERE s.id = ANY($1::text[]) AND s.done_at IS NULL';

/** A node's store keys and the bank their rows name; see the module comment. */
export abstract class PgJournalBank extends PgJournalGroup {
  /** The upstream (`host:port`) this journal's keys are recorded for at open (`address`); none: not recorded. */
  readonly address: string | undefined;
  /** This node's keys whose row names another bank (key to that bank), as the last renewal read them. */
  private readonly otherBank = new Map<string, string>();

  constructor(options: PgJournalOptions) {
    super(options);
    this.address = options.address;
    this.bank = options.address === undefined ? null : upstreamAddress(options.address);
  }

  /**
   * What this journal's keys (`upstream`, `formerUpstreams`) still owe on the database, read without opening it (no
   * migration, no lease, nothing written; a pool of its own made and ended unless one was given): a start with reversal
   * and SAF off refuses over it (reversal-unsent.ts). Only the entries no live node holds (a lease ended, or its owner
   * gone): those the running nodes of its keys are sending are theirs. Rejects with the database's error when it
   * cannot be read.
   */
  async owedUnopened(): Promise<JournalOwed> {
    const pool = this.pool ?? (await createPgPool(this.url as string, { logger: this.logger }));
    try {
      return await pendingUnder(pool, this.claims, true);
    } finally {
      if (this.pool === undefined) await pool.end().catch(() => undefined);
    }
  }

  /**
   * This node's keys whose row (`iso8583_saf_upstream`) names another bank than its `address`, as the last renewal
   * read them (every `lease / 3` ms): their entries are neither claimed nor added here (those held still sent here). Empty without `address`.
   */
  get keysAtOtherBank(): KeyAtOtherBank[] {
    return [...this.otherBank].map(([key, recorded]) => ({ key, recorded }));
  }

  /** The keys claims take entries of: this node's keys but those recorded for another bank. */
  protected claimKeys(): readonly string[] {
    return this.otherBank.size === 0 ? this.claims : this.claims.filter((key) => !this.otherBank.has(key));
  }

  /**
   * At each renewal (with `address`): reads the rows of this node's keys; a key whose row names another bank is
   * logged (`ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK`, at error, once until it changes) and left alone from then on (the
   * entries this node holds still go to its bank: theirs); one
   * back at this node's bank (or whose row was deleted) is logged (info) and taken up again. Rejects with the
   * database's error (the renewal's outage).
   */
  protected async checkBanks(pool: pg.Pool): Promise<void> {
    if (this.address === undefined) return;
    const own = upstreamAddress(this.address);
    const { rows } = await pool.query<{ upstream: string; address: string }>(MARKERS, [this.claims]);
    const now = new Map(rows.filter((r) => upstreamAddress(r.address) !== own).map((r) => [r.upstream, upstreamAddress(r.address)]));
    for (const [key, recorded] of now) this.atOtherBank(key, recorded);
    for (const key of [...this.otherBank.keys()]) {
      if (now.has(key)) continue;
      this.otherBank.delete(key);
      this.logger.info({ key, address: own }, 'a store key of this node is this node\'s bank\'s again: its entries are claimed, sent and added here again');
    }
  }

  /** Throws `ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK` (field `host`) when this node's key is recorded for another bank: an add there is refused. */
  protected refuseAddAtOtherBank(id: string): void {
    const recorded = this.otherBank.get(this.upstream);
    if (recorded !== undefined) throw otherBankError(`entry ${id} is not stored: its key ${JSON.stringify(this.upstream)} is recorded for ${recorded} (iso8583_saf_upstream), not this node's upstream; its request is not sent`);
  }

  /**
   * Hands the entries `entries` back (`RELEASE`, journal-leases.ts) but those whose key's row names another bank, read
   * now: an entry belongs to the bank it was added (or claimed) for (its `bank`, SAF step 14: no node of another bank
   * claims it, saf-sql.ts `CLAIM`; kept under this node's lease besides, as before that step). Those are kept under this node's lease (not renewed once let go; at close, until it ends)
   * and logged (`ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK`, at error, `entries`: their count, no card data). An entry
   * done (`not-needed` committed unseen, to be reopened) is always handed back: kept, it stayed done for ever, its
   * reversal never sent. Without `address`, all handed back. Rejects with the database's error (nothing handed back).
   */
  protected override async release(pool: pg.Pool, entries: ReadonlyArray<readonly [string, string | undefined]>): Promise<void> {
    if (this.address === undefined || entries.length === 0) return super.release(pool, entries);
    const own = upstreamAddress(this.address);
    const { rows } = await pool.query<{ id: string; address: string }>(ENTRIES_BANK, [entries.map(([id]) => id)]);
    const kept = new Set(rows.filter((r) => upstreamAddress(r.address) !== own).map((r) => r.id));
    if (kept.size > 0) {
      this.logger.error(
        { code: 'ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK', entries: kept.size, address: own },
        'SAF entries of this node\'s bank stored under a key now recorded for another bank are not handed back (the other bank\'s nodes would send them there): kept under this node\'s lease; point the key\'s row back at this bank and run a node here to send them',
      );
    }
    return super.release(pool, entries.filter(([id]) => !kept.has(id)));
  }

  /** Leaves key `key` alone from now on, recorded for `recorded` (another bank): logged once until it changes. */
  private atOtherBank(key: string, recorded: string): void {
    if (this.otherBank.get(key) === recorded) return;
    this.otherBank.set(key, recorded);
    this.logger.error(
      { code: 'ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK', key, recorded, address: upstreamAddress(this.address ?? '') },
      'a store key of this node is recorded for another bank (iso8583_saf_upstream): its entries are no longer claimed or added here (those held are still sent to this node\'s bank, and never handed back) until its row names this node\'s bank again',
    );
  }
}

function otherBankError(text: string): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK', text, { field: 'host' });
}
