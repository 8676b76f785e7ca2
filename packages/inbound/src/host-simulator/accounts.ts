/**
 * The simulated issuer's card accounts: the configured cards, kept for good, and the cards opened with
 * `defaultBalance` on first use. Of the latter at most `limit` (`journalSize`) are kept while the journal holds no
 * transaction of them: when more are open, the least recently used is forgotten, and only once the journal holds no
 * transaction of it (a card forgotten while its purchase could still be reversed would reopen at the default balance,
 * and the reversal credit nothing). As the journal holds at most `limit` transactions, at most `limit` opened cards
 * are kept once those the journal holds have been booked.
 */
import type { SimulatedCard } from './cards.js';

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
    for (const [pan, card] of Object.entries(cards)) this.#accounts.set(pan, { ...card, pan, opened: false, journaled: 0, reversible: 0 });
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
      account = { balance: this.defaultBalance, pan, opened: true, journaled: 0, reversible: 0 };
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
