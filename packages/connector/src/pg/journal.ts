/**
 * The SAF queue (reversals, and advices once the SAF queue has them) in PostgreSQL, shared by every gateway node on
 * one database. Each row of `iso8583_saf` is an entry; a node holds the entries it added or claimed under a lease
 * (`lease` ms, on the database's clock) that it renews every `lease / 3` ms while it runs. When a node dies (even by
 * SIGKILL) its leases end, and another node claims its entries (`claim`, `SELECT ... FOR UPDATE SKIP LOCKED`: two
 * nodes never claim the same entry) and sends them, resuming with a repeat (0401) when an attempt was recorded.
 *
 * What it guarantees (see docs/operations.md):
 * - nothing leaves unjournaled: `add` resolves once the row has committed, and fails with
 *   `ISO8583_ERR_CONNECTOR_STORE` at once when the database cannot be reached (the request is then not sent), or when
 *   the commit came back later than `lease - claimInterval` ms after it was asked for (the node stalled: its lease may
 *   have ended). An add that failed but may have committed is ended (`not-sent`: never reopened, never claimed) at the
 *   next renewal, so that no node reverses a request that was never sent (unless another node claimed it first);
 * - at-least-once: an entry not marked done is sent by its holder, or by whoever claims it once the lease ends;
 * - never sent again once answered: `attempt` is recorded only while the entry is not done and this node holds it
 *   (else it fails with `ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST` and the entry is not sent), and a host's answer
 *   (`reversed`, `delivered`) marks the entry done whoever holds it; so no attempt starts after an answer committed.
 *   A final outcome (a host's answer, `abandoned`, `expired`) that cannot be committed (the database is away) is
 *   retried at every renewal until it commits, the entry held and its lease renewed meanwhile; `close` tries it once
 *   more and never hands such an entry back. An attempt recorded later than `lease - claimInterval` ms after it was
 *   asked for (the node stalled) is not sent either, and taken back (uncounted) unless another node claimed it. Each
 *   attempt is fenced (`attempt`'s `flight`): no node takes its entry over before that flight ends, and this node
 *   sends it only within it; the window left is a pause of the whole process inside the turn that checks the
 *   deadline and writes (docs/operations.md: another node may then send the entry too, a repeat, 0401 or 0421,
 *   idempotent at the host). The add's bound is checked
 *   again just before the original's write (`ReversalManager.late`), so that no original leaves after another node
 *   could have claimed its entry and reversed it;
 * - a `not-needed` outcome (the original was answered) commits only while this node holds the entry: when another
 *   node has claimed it (and so may be reversing it), or could claim it (the entry's lease over, or this node's owner
 *   lock session ended: saf-sql.ts `DONE`, tested once the statement holds its rows, so that a node killed while its
 *   `done` waited for a row ends nothing late), `done` fails and the caller sees a failure, consistent with
 *   the reversal. Should that failure hide a commit (the connection dropped after it), the caller reopens the entry
 *   before it answers (`reopen`, journal-renewal.ts), as does the reversal's `attempt` (on an entry this node marked
 *   `not-needed`; when refused for want of the owner lock, the release of what the node let go, once it holds the lock
 *   again, or at close), so the two outcomes still agree.
 *
 * A node also holds an owner lock while it runs (owner-lock.ts): once the server has ended that lock's session (the
 * node killed, or cut off), its entries are claimed at once instead of once their lease ends (but the reversal of an
 * original added less than a lease and its answer timeout ago: its node may still write the original, or the host
 * process it, `ADD`), and a node whose own session ended sends none of its entries (no attempt commits, no add
 * resolves, no original is written) until it holds the lock again; it then ends its leases on the entries it let go meanwhile (an attempt refused), so that the
 * next claim takes them at once (only a lease still the one an entry had when let go: not one this node claimed again
 * since, and may be sending). A node taking its lock back waits for a claim under way that found it gone
 * (owner-lock-sql.ts, `GONE_OWNERS`), so that it records no attempt of an entry that claim takes over.
 *
 * Records go to the database in batches (group commit, one statement per kind of record per batch). Rows marked done
 * are deleted `purgeAfter` ms later (the reversal keeps the PAN: it should not stay longer than needed). The held
 * entries, the statements and the renewal: journal-leases.ts, journal-batches.ts and journal-renewal.ts; the close: journal-close.ts; the
 * reversals that undid nothing: journal-overtaken.ts (the base classes).
 */
import { connectorError, optionsError } from '../errors.js';
import { MAX_REQUEST_TIMEOUT } from '../timeouts.js';
import type { JournalEntry, JournalOutcome, ReversalJournal } from '../journal.js';
import { migrate } from './migrations.js';
import { recordUpstreamAddress } from './upstream-marker.js';
import { CLAIM, CLAIM_GONE, FINAL, UNCOUNT } from './saf-sql.js';
import { createPgPool, maskUrl, storeCause } from './pool.js';
import { claimed, leaseLost } from './journal-options.js';
import type { Adding, Row } from './journal-options.js';
import { PgJournalOvertaken } from './journal-overtaken.js';
import { OwnerLock, PING_WAIT_MIN, sameOwnerRuns } from './owner-lock.js';
import { FORGET_STALE_OWNER } from './owner-lock-sql.js';
import type { StrandedFigure } from './stranded.js';

export type { PgJournalOptions } from './journal-options.js';

/** A {@link ReversalJournal} in PostgreSQL that several nodes share, with leases; see the module comment. */
export class PgJournal extends PgJournalOvertaken implements ReversalJournal {
  /** Where the store is, for an operator's message: its URL with the password masked, or `a given pool`. */
  get where(): string {
    return this.url === undefined ? 'a given pool' : maskUrl(this.url);
  }

  /** Entries this node holds now (added or claimed, not done). */
  get size(): number {
    return this.held.size;
  }

  /** Final outcomes (a host's answer, `abandoned`, `expired`) waiting for the database to commit them. */
  get unsettledOutcomes(): number {
    return this.unsettled.size;
  }

  /**
   * The entries no node takes (pending under upstream keys no running node claims, found at two counts in a row a
   * minute apart: pg/stranded.ts), as the last count found them; `{ entries: 0, upstreams: [] }` before.
   */
  get strandedEntries(): StrandedFigure {
    return this.stranded?.figure ?? { entries: 0, upstreams: [] };
  }

  /**
   * Whether this journal is the one of the open journals of its store in this process (by URL, or the pool given) that
   * reports `strandedEntries`, which they share: the first opened, then the next once it closes (a gauge sums right).
   */
  get reportsStranded(): boolean {
    return this.stranded?.reports(this) === true;
  }

  /** Statements run and records carried, per kind of record (records / statements = the group commit factor). */
  get batches(): { add: { statements: number; records: number }; attempt: { statements: number; records: number }; done: { statements: number; records: number } } {
    return { add: { ...this.adds.counts }, attempt: { ...this.attempts.counts }, done: { ...this.dones.counts } };
  }

  /**
   * Connects, brings the schema up to date (`migrate`), starts renewing leases, and claims the entries no live node
   * holds (those of a node that died or closed, once its lease ended). Rejects with `ISO8583_ERR_CONNECTOR_STORE` when
   * any of it fails, the journal then closed (no renewal, no owner lock, no connection left).
   */
  async open(): Promise<JournalEntry[]> {
    if (this.closed || this.opened) throw connectorError('ISO8583_ERR_CONNECTOR_STORE', 'the store was already opened', { field: 'store' });
    this.opened = true;
    try {
      this.pool ??= await createPgPool(this.url as string, { logger: this.logger });
      this.stillOpening();
      await migrate(this.pool);
      this.stillOpening();
      if (this.ownerLocking) {
        this.ownerLock = new OwnerLock(this.pool.options, this.owner, this.logger, () => void this.releaseLetGo(), this.upstream, Math.max(PING_WAIT_MIN, this.claimInterval), this.claims, this.bank);
        await this.ownerLock.open();
        this.stillOpening();
      } else {
        // A row of this name an earlier run with the lock left, held by no session, is forgotten (other nodes would take
        // this run's entries at once: owner-lock-sql.ts FORGET_STALE_OWNER); one held refuses the start, as with the lock.
        const { rows } = await this.pool.query<{ held: boolean }>(FORGET_STALE_OWNER, [this.owner]);
        if (rows[0]?.held === true) throw sameOwnerRuns(true);
        this.stillOpening();
      }
      // Before any entry is claimed (or added), and once this node's owner lock is held (a start at another upstream
      // at the same moment sees it running): a key still owing another upstream, or run on by its nodes, refuses it.
      if (this.address !== undefined) await recordUpstreamAddress(this.pool, this.claims, this.address, this.owner);
      this.stillOpening();
    } catch (err) {
      await this.ownerLock?.close();
      // A pool the close did not see (made after it began) is ended here; one it ends already is left to it.
      if (this.ownsPool && this.pool?.ending === false) await this.pool.end().catch(() => undefined);
      this.closed = true;
      if ((err as { code?: string }).code === 'ISO8583_ERR_CONNECTOR_OPTIONS') throw err;
      throw this.failure('cannot be opened', err, true);
    }
    this.shareStranded(true);
    this.timer = setInterval(() => void this.renew(), this.claimInterval);
    this.timer.unref();
    this.logger.info({ store: this.url === undefined ? undefined : maskUrl(this.url), owner: this.owner, lease: this.lease }, 'SAF store open');
    try {
      return await this.claim();
    } catch (err) {
      // A start that fails leaves nothing running: no renewal, no owner lock held, no connection (as a failure above).
      await this.close().catch(() => undefined);
      throw err;
    }
  }

  /** Throws when `close` or `destroy` came while `open` was connecting: the start stops there. */
  private stillOpening(): void {
    if (this.closed) throw connectorError('ISO8583_ERR_CONNECTOR_STORE', 'the store was closed while it was being opened', { field: 'store' });
  }

  /**
   * Takes over the entries of this upstream (and of its `formerUpstreams`) whose lease ended, then (while this node
   * holds its owner lock) those of owners gone (owner-lock.ts), oldest first, `claimBatch` per statement, claiming
   * again while a statement comes back full (a dead node's thousands of entries are taken at once, not a batch per
   * `claimInterval`). Each entry's `at` is this node's clock less the entry's age on the database's clock.
   */
  async claim(): Promise<JournalEntry[]> {
    // No claim runs while the entries whose lease is unknown are released whatever it is (journal-renewal.ts).
    while (this.releasingUnknown !== undefined) await this.releasingUnknown;
    const pool = this.ready();
    const out: JournalEntry[] = [];
    let rows = 0; // claimed, kept or not
    // The entries of owners gone (their lock free) too, while this node holds its own lock (else it sends nothing).
    const statements = this.ownerLock?.heldSince === undefined ? [CLAIM] : [CLAIM, CLAIM_GONE];
    for (let i = 0; i < statements.length; ) {
      const query = pool.query<Row>(statements[i] as string, [this.owner, this.lease, this.claimKeys(), this.claimBatch, this.bank]);
      this.claiming.add(query);
      let batch: Row[];
      try {
        batch = (await query).rows;
      } catch (err) {
        if (rows > 0) break; // what was claimed is kept; the next claim takes the rest
        throw this.failure('cannot claim entries', err);
      } finally {
        this.claiming.delete(query);
      }
      rows += batch.length;
      // Sorted out as each batch arrives, while `unsure` still names the adds a renewal may end (FORGET) meanwhile.
      for (const row of batch) if (this.took(row)) out.push(claimed(row));
      if (this.closed) break;
      if (batch.length < this.claimBatch) i++;
    }
    if (out.length > 0) this.logger.warn({ code: 'ISO8583_WARN_SAF_TAKEN_OVER', entries: out.length }, 'took over SAF entries whose lease had ended or whose node is gone');
    return out.sort((a, b) => a.at - b.at);
  }

  /**
   * Adds an entry held by this node; resolves once committed, rejects with `ISO8583_ERR_CONNECTOR_STORE` (the request
   * must then not be sent), also when the commit comes back more than `lease - claimInterval` ms after the call (this
   * node stalled: its lease may have ended and another node may be reversing the entry). Such an entry is ended
   * (`not-sent`) at the next renewal unless another node took it over. Nothing is stored while this node's owner lock
   * is not held, as the statement sees it (its session ended, maybe before this node saw it end): `field` `ownerLock`.
   * For an entry whose request is already written or never will be (an advice, a reversal built after the fact): no
   * fence, so a node that finds this one gone claims it at once. The reversal of a request about to be written goes by
   * {@link PgJournal.addOriginal} instead (fenced from its add until its original's answer is due: no node sends it
   * while its original may still be written here, or processed by the host); added by `add`, it could cross it.
   *
   * The add of an id stored already (an earlier add of the same entry): while that one's fate is unknown (it failed,
   * and may have committed) it is refused (`ISO8583_ERR_CONNECTOR_STORE`, field `store`: tried again later, once the
   * next renewal ended it); a row this node ended so (`not-sent`) is made pending again with this entry, and resolves
   * as an add; any other (another node claimed it and sends it, or it ended) is left as it is: nothing written, and it
   * resolves `'exists'`. Refused with `ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK` (field `host`, nothing stored) while
   * this node's key is recorded for another bank (journal-bank.ts).
   */
  async add(entry: JournalEntry): Promise<void | 'exists'> {
    if (this.unsure.has(entry.id)) {
      this.ready();
      throw connectorError('ISO8583_ERR_CONNECTOR_STORE', `entry ${entry.id} is not stored: an earlier add of it failed and may have committed; it is ended at the next renewal, and may be added again after`, { field: 'store' });
    }
    return this.adding({ ...entry });
  }

  /**
   * `add` of the reversal entry of a request about to be sent, refused with `ISO8583_ERR_CONNECTOR_DUPLICATE_KEY`
   * (nothing stored; the request must not be sent) while an entry of the same transaction (the reversal's fields 41
   * and 11) is pending on any node: the request in flight there, or its reversal under way (a repeat, 0201, sent to
   * this node after the other died would be approved while that node's reversal undoes the original). Fenced from its
   * add (`attempt_until`) for the lease plus `answerWithin` (the original's answer timeout: the request's own, default
   * 0): no claim, by lease or of an owner gone, takes it before, since this node may still be writing the original
   * (until `lease - claimInterval` ms after the add was asked for) and the host processing it until its answer is due
   * (a `claimInterval` to spare, for the record of its answer). A reversal sent before then by another node (this one
   * stalled, or its sessions cut) could reach the host ahead of the original: answered 25, the original approved
   * after it, the customer charged while the store says reversed.
   */
  async addOriginal(entry: JournalEntry, answerWithin = 0): Promise<void> {
    // A fence of one lease would let another node reverse the original before its answer is due; one of years would
    // never let a dead node's be reversed: neither is made up from a bad value.
    if (!(Number.isInteger(answerWithin) && answerWithin >= 0 && answerWithin <= MAX_REQUEST_TIMEOUT)) {
      throw optionsError([{ field: 'answerWithin', code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason: `must be a whole number of milliseconds from 0 to ${MAX_REQUEST_TIMEOUT}` }]);
    }
    await this.adding({ ...entry, guard: this.lease + answerWithin });
  }

  private async adding(entry: Adding): Promise<void | 'exists'> {
    this.ready();
    this.refuseAddAtOtherBank(entry.id);
    const asked = performance.now();
    // Its owner lock taken again first if it was lost (no wait while it is held: adds of one turn stay one batch).
    if (this.heldSince() === undefined && !(await this.holding('add entries'))) {
      throw connectorError('ISO8583_ERR_CONNECTOR_STORE', `entry ${entry.id} is not stored: this node's owner lock is held by another journal of the same owner name; its request is not sent`, { field: 'ownerLock' });
    }
    const from = performance.now();
    await this.adds.push(entry);
    if (this.already.delete(entry.id)) return 'exists';
    const stalled = performance.now() - asked > this.lease - this.claimInterval;
    if (!stalled && this.heldThrough(from)) return;
    this.held.delete(entry.id);
    this.unsure.add(entry.id);
    const why = stalled ? 'was stored too late (this node stalled)' : 'was stored while this node\'s owner lock broke (another node may claim it)';
    throw connectorError('ISO8583_ERR_CONNECTOR_STORE', `entry ${entry.id} ${why}: its request is not sent`, { field: stalled ? 'safLease' : 'ownerLock' });
  }

  /**
   * Records attempt `attempt` and renews the lease; resolves once committed, with the `performance.now()` time its
   * `flight` (default: the lease) ends, counted from the call: the attempt must be written, and its answer's wait
   * over, by then (the SAF queue gives each half of what is left). Until the flight is over (on the database's clock, counted from its statement's start, which
   * comes after the call) no node claims the entry (`attempt_until`, saf-sql.ts): an attempt committed just before this
   * node's owner lock's session ended is not sent at once by the node that finds it gone too. Rejects with
   * `ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST` when the entry must not be sent: it is done, another node holds it, or
   * the record came back more than `lease - claimInterval` ms after the call (this node stalled: its lease may have
   * ended and another node may be sending it; let go here, the entry is claimed again once the lease ends). An entry
   * refused for want of this node's owner lock has its lease ended once the lock is held again (`releaseLetGo`): the
   * next claim (any node's) takes it then, and it is sent as a repeat. Rejects with `ISO8583_ERR_CONNECTOR_STORE`
   * (field `flight`) when the record came back after its flight (not sent: taken back, the entry still held here, to
   * be tried again), and with `ISO8583_ERR_CONNECTOR_OPTIONS` (field `flight`) for a flight not a positive number.
   * An entry this node holds is sent whatever its key's row names now: it was added for this node's bank, or claimed
   * while the row named it (journal-bank.ts).
   */
  async attempt(id: string, attempt: number, flight: number = this.lease): Promise<number> {
    this.ready();
    if (typeof flight !== 'number' || !(flight > 0) || !Number.isFinite(flight)) {
      throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'an attempt\'s flight must be a number of milliseconds above 0', { field: 'flight' });
    }
    const asked = performance.now();
    if (this.heldSince() === undefined && !(await this.holding('record attempts'))) {
      this.letGoOf(id); // its lease ended once this node holds its lock again: claimed then (by any node)
      throw leaseLost(id, 'is not recorded: this node\'s owner lock is held by another journal of the same owner name');
    }
    await this.uncounting.get(id); // a take-back of its attempt before does not undo this one
    const from = performance.now();
    await this.attempts.push({ id, attempt, flight });
    const took = performance.now() - asked;
    const stalled = took > this.lease - this.claimInterval;
    const held = this.heldThrough(from);
    if (!stalled && held && took < flight) return asked + flight;
    if (stalled) this.held.delete(id);
    else if (!held) this.letGoOf(id); // for want of the lock: its lease is ended once the lock is held again
    // Not sent: the attempt is taken back while no other node took the entry over, so that it is not counted
    // (`saf.maxAttempts`) and its fence lifted; whoever claims the entry next sends it as a repeat (every entry taken
    // over is), or this node tries it again (its flight passed: still held here).
    await this.uncount(id, attempt);
    if (!stalled && held) {
      throw connectorError('ISO8583_ERR_CONNECTOR_STORE', `attempt ${attempt} of entry ${id} was recorded after its flight (${flight} ms): it is not sent, and is tried again`, { field: 'flight' });
    }
    // The lock already taken again while the attempt ran: released now, not at the next take (or renewal).
    if (!stalled) void this.releaseLetGo();
    throw leaseLost(id, stalled ? 'was recorded too late (this node stalled)' : 'was recorded while this node\'s owner lock broke');
  }

  /**
   * Takes back attempt `attempt` of entry `id`, recorded but never sent (no connection could be had: no byte of it
   * written): not counted, and its fence lifted (`UNCOUNT`), so that should this node go now another node takes the
   * entry at once (as a first, if no attempt of it left) instead of once that attempt's flight is over. Only while
   * this node holds the entry and no later attempt of it was recorded; the entry's next `attempt` waits for it. Always
   * resolves: a failure is logged (`ISO8583_ERR_CONNECTOR_STORE`), and the attempt then counts and its fence runs out.
   */
  uncount(id: string, attempt: number): Promise<void> {
    const pool = this.pool;
    if (!this.opened || pool === undefined || pool.ending) return Promise.resolve();
    const before = this.uncounting.get(id);
    const taking: Promise<void> = (async () => {
      await before;
      await pool.query(UNCOUNT, [this.owner, id, attempt]).catch((err: unknown) => {
        this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', cause: storeCause(err), id }, 'cannot take back an attempt not sent: it counts');
      });
    })().finally(() => {
      if (this.uncounting.get(id) === taking) this.uncounting.delete(id);
    });
    this.uncounting.set(id, taking);
    return taking;
  }

  /**
   * Marks an entry done; resolves once committed. A host's answer (`reversed`, `delivered`) ends the entry whoever
   * holds it; any other outcome only while this node holds it (else `ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST`). A
   * final outcome (`reversed`, `delivered`, `abandoned`, `expired`) that cannot be committed now is retried at each
   * renewal, the entry held meanwhile, and resolves when it commits (or rejects when `close` cannot commit it either).
   * Refused or failed, it retires nothing later (`lettingGo`, journal-overtaken.ts).
   */
  done(id: string, outcome: JournalOutcome): Promise<void> {
    return this.lettingGo(id, this.doneOnce(id, outcome));
  }

  private async doneOnce(id: string, outcome: JournalOutcome): Promise<void> {
    this.ready();
    try {
      await this.dones.push({ id, outcome });
    } catch (err) {
      if (!FINAL.has(outcome) || (err as { code?: string }).code !== 'ISO8583_ERR_CONNECTOR_STORE' || this.released) throw err;
      this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', id, outcome }, 'a SAF entry\'s outcome cannot be committed: held, and tried again until it commits');
      await new Promise<void>((resolve, reject) => this.unsettled.set(id, { id, outcome, resolve, reject }));
    }
  }
}
