/**
 * The transactions this connector holds, by the original's STAN (field 11) and terminal (field 41) as the wire carries
 * them: each armed one (its reversal journaled, the original in flight on any of the connector's connections; keyed on
 * the original's own fields at arm time, whatever `reversal.fields` copies), and each reversal under way: from the
 * moment one is queued
 * (triggered, or left by an earlier run) until it ends (answered, abandoned, expired), and for `releasedHold` ms after
 * the queue let it go (`released`: a shared store gave it to another node, or this node stalled and leaves it pending
 * under its lease until a claim, here or elsewhere, takes it again), unless it is queued here again meanwhile.
 * While its reversal is under way, no request of that transaction may go out, neither a repeat of the original (0201
 * for an 0200) nor the original sent again as new (an 0200 reusing the STAN and terminal): the host could approve it
 * after the reversal, or before it, and the terminal would see money taken that the reversal then undoes.
 * Only this connector's queue is watched: with a shared PostgreSQL store, the store itself refuses the reversal entry
 * of such a request while the transaction is pending on another node (`PgJournal.addOriginal`).
 */
import { DictionaryMap } from '@iso8583/codec';
import type { Dialect, MessageInput } from '@iso8583/codec';
import { originalStanOf, transactionKey } from './match-key.js';
import { sameTransaction, transactionIdentity, type HeldTransaction } from './transactions-in-flight.js';
import type { SafEvent, SafHost } from './saf-queue.js';
import type { JournalEntry } from './saf-store.js';

/** Watches the SAF queue's events (through {@link ReversalsUnderway.host}) and answers whether a transaction is being reversed. */
export class ReversalsUnderway {
  /** The host to give the SAF queue: the connector's, its events seen here first. */
  readonly host: SafHost;
  private readonly byId = new Map<string, string>();
  /**
   * The ids of each key (STAN|terminal), armed or under way, the first marked first: a lookup by key visits the entries
   * of its key only, not every entry held (keys gained and lost per request: no Map, issue 10).
   */
  private readonly byKey = new DictionaryMap<string[]>();
  /** The ids armed (their original in flight), not yet queued: in `byKey` only. */
  private readonly armed = new DictionaryMap<true>();
  /** The reversals under way (queued, not ended), by key: `byKey` without the armed ones. */
  private readonly reversingByKey = new DictionaryMap<number>();
  /** Who waits for the originals of a key to be in flight no more (`originalSettled`), by key. */
  private readonly waiters = new Map<string, Set<() => void>>();
  /** The entries released, by id: the timer that forgets them. */
  private readonly released = new Map<string, NodeJS.Timeout>();
  /**
   * The identity (key, acquirer, card's mark: transactions-in-flight.ts) of each entry whose message was seen here (armed
   * from its original, read back at a start); one taken from another node is known by its key only.
   */
  private readonly identities = new DictionaryMap<HeldTransaction>(); // an id gained and lost per request: no Map (issue 10)

  /**
   * `dialect`: the connector's, whose fields 11 and 41 say how a STAN and a terminal look on the wire (the key).
   * `releasedHold`: milliseconds a released entry's transaction stays refused; it should be at least the shared
   * store's lease plus its claim interval. Default 120000 (covers leases up to 90 s; the default lease is 30 s).
   */
  constructor(
    host: SafHost,
    private readonly dialect: Dialect,
    private readonly releasedHold = 120_000,
  ) {
    this.host = {
      sendReversal: (message, timeout, written) => host.sendReversal(message, timeout, written),
      safEnded: (end) => host.safEnded(end),
      reversalEvent: (event) => {
        this.seen(event);
        host.reversalEvent(event);
      },
      get logger() {
        return host.logger;
      },
    };
  }

  /**
   * True while the transaction `message` names (its field 11 and 41, however written: `9201` is `'009201'`) is armed
   * (in flight) or its reversal under way, by an entry other than `except` (the id of the request's own armed entry).
   */
  has(message: MessageInput, except?: string): boolean {
    if (this.byId.size === 0) return false;
    const key = this.requestKey(message);
    const n = this.byKey.get(key)?.length ?? 0;
    return n - (except !== undefined && this.byId.get(except) === key ? 1 : 0) > 0;
  }

  /**
   * Entry `id` is armed for `original` (journaled or being journaled, the original about to leave): its transaction
   * is held from now, under the original's STAN and terminal, until {@link ReversalsUnderway.settle} (answered, never
   * sent) or, once triggered, until its reversal ends.
   */
  arm(id: string, original: MessageInput): void {
    // Its identity is made once: its key (STAN and terminal) is the one the entry is marked by.
    const identity = transactionIdentity(this.dialect, original);
    this.mark(id, identity.key, true);
    this.identities.set(id, identity);
  }

  /**
   * The id of a reversal under way (queued, not ended; not one merely armed) of the transaction the reversal (or
   * advice) `message` names, if there is one: a reversal the terminal sends itself for it is then the same reversal,
   * whatever its own STAN (by {@link ReversalsUnderway.originalKey}).
   */
  reversalOf(message: MessageInput): string | undefined {
    if (this.reversingByKey.size === 0) return undefined;
    const key = this.originalKey(message);
    if (!this.reversingByKey.has(key)) return undefined;
    return this.byKey.get(key)?.find((id) => !this.armed.has(id));
  }

  /**
   * True while the original the reversal (or advice) `message` names ({@link ReversalsUnderway.originalKey}) is armed
   * here: in flight on a connection of this connector, its outcome not known yet. A reversal sent now could reach the
   * host before the original is booked there (answered "no such transaction") and the original then be approved.
   */
  originalInFlight(message: MessageInput): boolean {
    return this.byId.size !== 0 && this.armedCount(this.originalKey(message)) > 0;
  }

  /**
   * The key of the transaction a request names by its own STAN and terminal (fields 11 and 41, however written: `9201`
   * is `'009201'`): what {@link ReversalsUnderway.arm} marks it by.
   */
  requestKey(message: MessageInput): string {
    return transactionKey(this.dialect, message['11'], message['41']);
  }

  /**
   * Resolves `true` once the original the reversal `message` names is no longer in flight here (answered, or its own
   * reversal queued: {@link ReversalsUnderway.originalInFlight}), `false` if it still is at `by` (a
   * `performance.now()` time).
   */
  originalSettled(message: MessageInput, by: number): Promise<boolean> {
    return this.within(this.originalKey(message), by);
  }

  /**
   * While an entry of `key` (a transaction's STAN and terminal: `transactionKey`, or
   * {@link ReversalsUnderway.originalKey} for the original a reversal names) is armed here (its request journaled,
   * waiting for a connection or at the host, its outcome unknown): resolves once none is (answered, never sent, or its
   * own reversal queued). `undefined` when none is (nothing to wait for). No timer: an armed request always settles
   * (its answer, its refusal or failure unwritten, or its request timeout).
   */
  untilUnarmed(key: string): Promise<unknown> | undefined {
    if (this.byId.size === 0 || this.armedCount(key) === 0) return undefined;
    return this.within(key);
  }

  /**
   * True while a reversal under way (queued, not ended; not one merely armed) names the transaction of `message` by the
   * one rule of transactions-in-flight.ts (`sameTransaction`: STAN and terminal, acquirer and card agreeing when both
   * are known): what an upstream group asks, so that another acquirer's or card's transaction sharing only a STAN and
   * terminal id is not drawn to this connector. An entry whose original was not seen here (taken from another node) is
   * known by its key only, and so names every transaction under it.
   */
  holdsUnderway(message: MessageInput): boolean {
    if (this.reversingByKey.size === 0) return false;
    const asked = transactionIdentity(this.dialect, message);
    if (!this.reversingByKey.has(asked.key)) return false;
    for (const id of this.byKey.get(asked.key) ?? []) {
      if (this.armed.has(id)) continue;
      const known = this.identities.get(id);
      if (known === undefined || sameTransaction(known, asked)) return true;
    }
    return false;
  }

  /** Armed entry `id` needs no reversal (its original was answered, or never left): its transaction is free again. */
  settle(id: string): void {
    this.forget(id);
  }

  /**
   * The reversals among `entries` (read back at a start) are under way from now, before they are queued (their
   * `queued` event then finds them so).
   */
  expect(entries: readonly JournalEntry[]): void {
    for (const { id, kind, reversal } of entries) {
      if ((kind ?? 'reversal') !== 'reversal') continue;
      const identity = transactionIdentity(this.dialect, reversal);
      this.mark(id, identity.key);
      this.identities.set(id, identity);
    }
  }

  private seen(e: SafEvent): void {
    if (e.kind !== 'reversal') return;
    if (e.stage === 'queued') {
      // Its key made only for an entry not known here (taken over from another node): an armed one has its own.
      if (!this.takenBack(e.id)) this.mark(e.id, transactionKey(this.dialect, e.stan, e.terminal));
      return;
    }
    if (e.stage === 'sent' || e.stage === 'refused' || e.stage === 'waiting') return;
    if (e.stage === 'released') {
      // Still pending (under this node's lease, or being sent by another node): refused a while yet.
      if (!this.byId.has(e.id) || this.released.has(e.id)) return;
      const timer = setTimeout(() => this.forget(e.id), this.releasedHold);
      timer.unref();
      this.released.set(e.id, timer);
      return;
    }
    this.forget(e.id);
  }

  /**
   * Entry `id`, if known here, is under way again: taken back here (claimed again), or expected at a start, under way as
   * before until it ends; armed until now (its original's outcome unknown, its reversal queued), under way from now.
   * False when `id` is not known here.
   */
  private takenBack(id: string): boolean {
    const known = this.byId.get(id);
    if (known === undefined) return false;
    clearTimeout(this.released.get(id));
    this.released.delete(id);
    if (this.unarm(id)) {
      count(this.reversingByKey, known, 1);
      this.wake(known);
    }
    return true;
  }

  /**
   * Reversal `id` of the transaction of `key` (its STAN and terminal, `transactionKey`) is under way (again, when taken
   * back here: {@link ReversalsUnderway.takenBack}); `armed`: its original in flight (not queued yet).
   */
  private mark(id: string, key: string, armed = false): void {
    if (this.takenBack(id)) return;
    this.byId.set(id, key);
    const ids = this.byKey.get(key);
    if (ids === undefined) this.byKey.set(key, [id]);
    else ids.push(id);
    if (armed) this.armed.set(id, true);
    else count(this.reversingByKey, key, 1);
  }

  private forget(id: string): void {
    clearTimeout(this.released.get(id));
    this.released.delete(id);
    const key = this.byId.get(id);
    if (key === undefined) return;
    this.byId.delete(id);
    this.identities.delete(id);
    const ids = this.byKey.get(key) ?? [];
    ids.splice(ids.indexOf(id), 1);
    if (ids.length === 0) this.byKey.delete(key);
    if (!this.unarm(id)) count(this.reversingByKey, key, -1);
    else this.wake(key);
  }

  /** Entry `id` is armed no more (its original in flight no more): true if it was. */
  private unarm(id: string): boolean {
    return this.armed.delete(id);
  }

  /**
   * Resolves `true` once no entry of `key` is armed here (at once when none is), `false` if one still is at `by` (a
   * `performance.now()` time; none: no timer, as an armed request always settles). The one wait of
   * {@link ReversalsUnderway.originalSettled} and {@link ReversalsUnderway.untilUnarmed}.
   */
  private within(key: string, by?: number): Promise<boolean> {
    if (this.armedCount(key) === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const stop = this.whenWoken(key, () => this.armedCount(key) === 0, () => {
        clearTimeout(timer);
        resolve(true);
      });
      const timer =
        by === undefined
          ? undefined
          : setTimeout(() => {
              stop();
              resolve(this.armedCount(key) === 0);
            }, Math.max(0, by - performance.now()));
    });
  }

  /**
   * Calls `done` once `ready()` is true after an armed entry of `key` ended or was queued (`wake`); returns what stops
   * the wait (`done` then never called).
   */
  private whenWoken(key: string, ready: () => boolean, done: () => void): () => void {
    const waiters = this.waiters.get(key) ?? new Set<() => void>();
    this.waiters.set(key, waiters);
    const stop = (): void => {
      waiters.delete(check);
      if (waiters.size === 0 && this.waiters.get(key) === waiters) this.waiters.delete(key);
    };
    const check = (): void => {
      if (!ready()) return;
      stop();
      done();
    };
    waiters.add(check);
    return stop;
  }

  /**
   * The key of the transaction a reversal (or an advice, or a repeat) names: its original's STAN (field 90, or 56 in
   * 1993: `originalStanOf`, as routing reads it; else its own field 11) and its terminal (field 41).
   */
  originalKey(message: MessageInput): string {
    return transactionKey(this.dialect, originalStanOf(message), message['41']);
  }

  /** How many entries of `key` are armed (their original in flight): `byKey` less those under way. */
  private armedCount(key: string): number {
    return (this.byKey.get(key)?.length ?? 0) - (this.reversingByKey.get(key) ?? 0);
  }

  /** An armed entry of `key` ended or was queued: whoever waits for its originals looks again. */
  private wake(key: string): void {
    const waiters = this.waiters.get(key);
    if (waiters !== undefined) for (const check of [...waiters]) check();
  }
}

/** Adds `by` to the count of `key` in `map` (a count that reaches 0 is deleted). */
function count(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}
