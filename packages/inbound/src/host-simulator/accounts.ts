/**
 * The simulated issuer's card accounts: the configured cards, kept for good, and the cards opened with
 * `defaultBalance` on first use. Of the latter at most `limit` (`journalSize`) are kept while the journal holds no
 * transaction of them: when more are open, the least recently used is forgotten, and only once the journal holds no
 * transaction of it (a card forgotten while its purchase could still be reversed would reopen at the default balance,
 * and the reversal credit nothing). As the journal holds at most `limit` transactions, at most `limit` opened cards
 * are kept once those the journal holds have been booked.
 */
import type { SimulatedCard } from './cards.js';
import { MAX_SIMULATOR_BALANCE } from './options.js';

/** A card account: the card's balance and state, and what the issuer keeps of it. */
export interface Account extends SimulatedCard {
  readonly pan: string;
  /** Opened with the default balance (not configured in `cards`). */
  readonly opened: boolean;
  /** How many transactions of the card the journal holds. */
  journaled: number;
  /**
   * What the journal's transactions of the card hold (the sum of their `debited`): the most reversals can still give
   * back. The balance plus this never passes `MAX_SIMULATOR_BALANCE` (a credit that would take it past is declined),
   * so that a reversal always books in full.
   */
  reversible: number;
  /**
   * What the journal's transactions of the card credited (the sum of their `credited`): the most reversals can still
   * take back. The balance less this never passes -`MAX_SIMULATOR_BALANCE` (a debit that would take it past is
   * declined), so that a reversal always books in full.
   */
  reclaimable: number;
}

/**
 * Whether `card` may be credited `amount` (a refund, request or advice): its balance, and what the reversals of the
 * journal's transactions of it may still give back, stay within {@link MAX_SIMULATOR_BALANCE} (the 12 digits field 54
 * carries). Else the credit is declined 13 and books nothing, so that a reversal always books in full and every
 * balance can be answered.
 */
export function roomFor(card: Account, amount: number): boolean {
  return card.balance + card.reversible + amount <= MAX_SIMULATOR_BALANCE;
}

/**
 * Whether `card` may be debited `amount` by a debit advice (a purchase never takes the balance below zero): its
 * balance, less what the reversals of the journal's refunds of it may still take back, stays within
 * -{@link MAX_SIMULATOR_BALANCE} (field 54's `D` and 12 digits). Else the debit is declined 51 and books nothing, so
 * that a reversal always books in full and every balance can be answered.
 */
export function floorFor(card: Account, amount: number): boolean {
  return card.balance - card.reclaimable - amount >= -MAX_SIMULATOR_BALANCE;
}

export class Accounts {
  readonly #accounts = new Map<string, Account>();
  #opened = 0;
  /** Opened cards the journal holds no transaction of, least recently used first. */
  readonly #idle = new Set<Account>();

  constructor(
    cards: Record<string, SimulatedCard>,
    private readonly defaultBalance: number | null,
    private readonly limit: number,
  ) {
    for (const [pan, card] of Object.entries(cards)) this.#accounts.set(pan, { ...card, pan, opened: false, journaled: 0, reversible: 0, reclaimable: 0 });
  }

  /** The card's account, if the issuer knows the card. */
  get(pan: string): Account | undefined {
    return this.#accounts.get(pan);
  }

  /**
   * The account of a card that a transaction the journal now holds uses (counted until {@link release}): a known one,
   * else one opened with the default balance (`undefined` when `defaultBalance` is `null`).
   */
  use(pan: string): Account | undefined {
    let account = this.#accounts.get(pan);
    if (account === undefined) {
      if (this.defaultBalance === null) return undefined;
      account = { balance: this.defaultBalance, pan, opened: true, journaled: 0, reversible: 0, reclaimable: 0 };
      this.#accounts.set(pan, account);
      this.#opened++;
      this.#trim();
    }
    account.journaled++;
    this.#idle.delete(account);
    return account;
  }

  /** The journal dropped a transaction that used `account`: an opened card it holds none of may be forgotten. */
  release(account: Account): void {
    account.journaled--;
    if (account.journaled > 0 || !account.opened) return;
    this.#idle.add(account);
    this.#trim();
  }

  #trim(): void {
    for (const account of this.#idle) {
      if (this.#opened <= this.limit) return;
      this.#idle.delete(account);
      this.#accounts.delete(account.pan);
      this.#opened--;
    }
  }
}
