/**
 * The batch statements that change a node's SAF entries in PostgreSQL (the layer of `PgJournal` over
 * journal-leases.ts): add, attempt, done, one statement per kind of record per batch (`Batcher`), an outcome per entry.
 * A statement refused for want of the owner lock tells the lock (`refused`); a `not-needed` so refused is run once
 * more once the lock is held again (`markDone`). What it guarantees: journal.ts.
 */
import type pg from 'pg';
import { connectorError } from '../errors.js';
import { Batcher } from './batch.js';
import type { BatchResult } from './batch.js';
import { ADD, ADD_AGAIN, ANSWERED, ATTEMPT, DONE } from './saf-sql.js';
import { ended, type EndedRow } from './pass-on.js';
import { notCommitted } from './pool.js';
import { leaseLost, notStored, type Adding, type Attempt, type Done } from './journal-options.js';
import { PgJournalLeases } from './journal-leases.js';

/** The batch statements of a {@link PgJournalLeases}; see the module comment. */
export abstract class PgJournalBatches extends PgJournalLeases {
  protected readonly adds = new Batcher<Adding>((batch) => this.insert(batch));
  protected readonly attempts = new Batcher<Attempt>((batch) => this.recordAttempts(batch));
  protected readonly dones = new Batcher<Done>((batch) => this.markDone(batch));

  private async insert(batch: Adding[]): Promise<BatchResult> {
    const pool = this.ready();
    const since = this.heldSince();
    const inserted = await this.addRows(pool, ADD, batch);
    // Refused by the statement for want of the owner lock (its session ended, maybe unseen here): nothing stored. The
    // refusal is the news: the lock is taken again now, not at the next renewal.
    if (inserted.has(null)) {
      this.ownerLock?.refused(since);
      return batch.map((e) => notStored(e.id));
    }
    // Entries not guarded whose id is stored already: an earlier add of the same entry (ended `not-sent`: its fate
    // was unknown) is made pending again; one another node holds, or that ended otherwise, is there already.
    const again = batch.filter((e) => e.guard === undefined && !inserted.has(e.id));
    let failed: Error | undefined;
    if (again.length > 0) {
      try {
        const more = await this.addRows(pool, ADD_AGAIN, again);
        if (more.has(null)) {
          this.ownerLock?.refused(since);
          for (const e of again) inserted.set(e.id, null);
        } else for (const [id, lease] of more) inserted.set(id, lease);
      } catch (err) {
        failed = err as Error;
      }
    }
    return batch.map((e) => {
      const lease = inserted.get(e.id);
      if (lease === undefined && e.guard !== undefined) {
        return connectorError('ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'a transaction with the same STAN and terminal is in flight or being reversed on a node of the shared store: the request is refused', { field: '11' });
      }
      if (lease === null) return notStored(e.id);
      if (lease === undefined) {
        if (failed !== undefined) return failed;
        this.already.add(e.id);
        return undefined;
      }
      this.held.set(e.id, lease);
      return undefined;
    });
  }

  /**
   * Runs `statement` (`ADD`, `ADD_AGAIN`) for `batch`: the ids stored, each with its lease (`null`: refused for want of
   * the owner lock). A statement that failed with its fate unknown leaves its entries `unsure` (ended at the next
   * renewal), and rejects with the store's error.
   */
  private async addRows(pool: pg.Pool, statement: string, batch: readonly Adding[]): Promise<Map<string | null, string | null>> {
    try {
      const [key, pid, started] = this.lockNamed();
      const json = JSON.stringify(batch);
      const values = statement === ADD ? [this.upstream, this.owner, this.lease, json, this.guards, key, this.txnName, this.bank, pid, started]
        : [this.upstream, this.owner, this.lease, json, key, this.bank, pid, started];
      const { rows } = await pool.query<{ id: string | null; lease: string | null }>(statement, values);
      return new Map(rows.map((r) => [r.id, r.lease]));
    } catch (err) {
      // Its fate unknown (it may have committed, or commit later) while its callers are told it failed (their requests
      // are not sent): ended before another node can claim them and send reversals of nothing.
      if (!notCommitted(err)) for (const e of batch) this.unsure.add(e.id);
      throw this.failure('cannot add entries', err);
    }
  }

  private async recordAttempts(batch: Attempt[]): Promise<BatchResult> {
    let recorded: Map<string | null, string | null>;
    const since = this.heldSince();
    const [key, pid, started] = this.lockNamed();
    try {
      const { rows } = await this.ready().query<{ id: string | null; lease: string | null }>(ATTEMPT, [this.owner, this.lease,
        batch.map((a) => a.id), batch.map((a) => a.attempt), key, batch.map((a) => a.flight), pid, started]);
      recorded = new Map(rows.map((r) => [r.id, r.lease]));
    } catch (err) {
      throw this.failure('cannot record attempts', err);
    }
    if (recorded.has(null)) this.ownerLock?.refused(since); // the news that the lock is lost: taken again now
    return batch.map((a) => {
      const lease = recorded.get(a.id);
      if (lease !== undefined && lease !== null) {
        this.held.set(a.id, lease);
        this.doneUnseen.delete(a.id);
        return undefined;
      }
      // Refused: done, another node's, or this node's owner lock lost (the statement checks it). Let go, its lease
      // ended once the lock is held again (for an entry done or another node's, `RELEASE` changes nothing; one marked
      // `not-needed` by this node, it reopens).
      if (this.ownerLock === undefined) this.held.delete(a.id);
      else this.letGoOf(a.id);
      this.doneUnseen.delete(a.id);
      return leaseLost(a.id);
    });
  }

  /** Marks `batch` done in one statement (through `pool`: `close` passes it once the journal no longer takes calls). */
  protected async markDone(batch: readonly Done[], pool: pg.Pool = this.ready()): Promise<BatchResult> {
    let marked: Set<string>;
    // As they are now: a renewal while the statement runs drops an entry it finds done (its commit not seen yet).
    const leases = batch.map((d) => this.held.get(d.id));
    const since = this.heldSince();
    const unseen = new Map<string, Error>(); // a retry of unknown fate: each its dones maybe committed, reopened as such
    const refused = new Map<string, Error>(); // a retry refused before it was written: pending and held here still
    try {
      const retires = batch.map((d) => this.retiring.delete(d.id));
      // The lock named by its key and by the session that took it (its key is the same after a restart of this name),
      // as they are at each run (a retry names the session that took the lock back).
      const run = (of: readonly number[]) => {
        const [key, pid, started] = this.lockNamed();
        return pool.query<EndedRow | { id: null; unreversed: false }>(DONE, [this.owner, of.map((i) => batch[i]?.id),
          of.map((i) => batch[i]?.outcome), [...ANSWERED], of.map((i) => retires[i]), this.claims, key, pid, started]);
      };
      // A row of NULL id: a `not-needed` found this node's owner gone (its lock's session ended, seen or not): the lock
      // taken again now; a live node ends its refused not-needed once more (another node can have claimed them only by
      // changing their lease owner, which refuses them again); a killed node's statement cannot take it.
      let { rows } = await run(batch.map((_d, i) => i));
      if (rows.some((r) => r.id === null)) {
        this.ownerLock?.refused(since);
        const again = batch.flatMap((d, i) => (d.outcome === 'not-needed' && !rows.some((r) => r.id === d.id) ? [i] : []));
        if (again.length > 0 && (await this.holding('mark entries done').catch(() => false))) {
          const retaken = this.heldSince();
          const more = await run(again).then((r) => r.rows, (err: unknown) => {
            // Refused before it was written (`notCommitted`): pending and held here, nothing to reopen (sr69m #2).
            const into = notCommitted(err) ? refused : unseen;
            for (const i of again) into.set(batch[i]?.id as string, this.failure('cannot mark entries done', err));
            return [];
          });
          // Refused again (the lock lost once more since it was taken): told as the first refusal is; not run again.
          if (more.some((r) => r.id === null)) this.ownerLock?.refused(retaken);
          rows = [...rows, ...more];
        }
      }
      marked = ended(rows.filter((r): r is EndedRow => r.id !== null), this.logger);
    } catch (err) {
      // Refused before anything was written (`notCommitted`: no connection, or an ERROR): the entries stay pending and
      // held here, nothing to reopen (counted owed, a stop would have called them NOT in the database: sr69b #2).
      if (!notCommitted(err)) batch.forEach((d, i) => this.unseenDone(d, leases[i]));
      throw this.failure('cannot mark entries done', err);
    }
    return batch.map((d, i) => {
      const ok = marked.has(d.id) || ANSWERED.has(d.outcome);
      const failed = ok ? undefined : unseen.get(d.id);
      if (failed !== undefined) return (this.unseenDone(d, leases[i]), this.held.delete(d.id), failed);
      const notWritten = ok ? undefined : refused.get(d.id);
      if (notWritten !== undefined) return notWritten;
      this.held.delete(d.id);
      this.doneUnseen.delete(d.id);
      return ok ? undefined : leaseLost(d.id);
    });
  }

  /** A `not-needed` done whose commit was not seen: its entry reopened by the caller (`reopen`: REOPEN until pending). */
  private unseenDone(d: Done, held: string | undefined): void {
    const lease = this.held.get(d.id) ?? held;
    if (d.outcome === 'not-needed' && lease !== undefined) this.doneUnseen.set(d.id, { lease, at: performance.now() });
  }
}
