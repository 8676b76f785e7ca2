/**
 * The simulated issuer's card accounts: the configured cards, kept for good, and the cards opened with
 * `defaultBalance` on first use. Of the latter at most `limit` (`journalSize`) are kept: when more are open, the least
 * recently used is forgotten, and only once the journal holds no transaction of it (a card forgotten while its
 * purchase could still be reversed would reopen at the default balance, and the reversal credit nothing).
 */
import type { SimulatedCard } from './cards.js';

export class Accounts {
  readonly #cards = new Map<string, SimulatedCard>();
  /** The cards opened with the default balance. */
  readonly #opened = new Set<string>();
  /** Opened cards the journal holds no transaction of, least recently used first. */
  readonly #idle = new Set<string>();

  constructor(
    cards: Record<string, SimulatedCard>,
    private readonly defaultBalance: number | null,
    private readonly limit: number,
  ) {
    for (const [pan, card] of Object.entries(cards)) this.#cards.set(pan, { ...card });
  }

  /** The card's account, if the issuer knows the card. */
  get(pan: string): SimulatedCard | undefined {
    return this.#cards.get(pan);
  }

  /**
   * The account of a card in use (the journal holds a transaction of it): a known one, else one opened with the
   * default balance (`undefined` when `defaultBalance` is `null`).
   */
  use(pan: string): SimulatedCard | undefined {
    const known = this.#cards.get(pan);
    if (known !== undefined) {
      this.#idle.delete(pan);
      return known;
    }
    if (this.defaultBalance === null) return undefined;
    const card: SimulatedCard = { balance: this.defaultBalance };
    this.#cards.set(pan, card);
    this.#opened.add(pan);
    this.#trim();
    return card;
  }

  /** The journal no longer holds a transaction of this card: an opened one may be forgotten from now on. */
  idle(pan: string): void {
    if (!this.#opened.has(pan)) return;
    this.#idle.add(pan);
    this.#trim();
  }

  #trim(): void {
    for (const pan of this.#idle) {
      if (this.#opened.size <= this.limit) return;
      this.#idle.delete(pan);
      this.#opened.delete(pan);
      this.#cards.delete(pan);
    }
  }
}
