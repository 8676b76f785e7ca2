/**
 * Journal entries and remembered reversals by STAN (field 11) and terminal (field 41, or none): what a reversal or a
 * late original is looked up by. One list per STAN and terminal, so that a terminal that reuses a STAN many times (or
 * many terminals under one STAN) slows only the lookups of that STAN and terminal.
 */

/** What the index needs of an item: its STAN and its terminal (when given). */
export interface Indexed {
  stan: string;
  terminal?: string | undefined;
}

/** The key of a STAN and terminal: the STAN's length first, so that no two pairs share one. */
function pairKey(stan: string, terminal: string | undefined): string {
  return terminal === undefined ? `${stan.length}:${stan}` : `${stan.length}:${stan}:${terminal}`;
}

export class StanTerminalIndex<T extends Indexed> {
  /** STAN and terminal (or none) -> items in arrival order. */
  readonly #lists = new Map<string, T[]>();

  add(item: T): void {
    const key = pairKey(item.stan, item.terminal);
    const list = this.#lists.get(key);
    if (list === undefined) this.#lists.set(key, [item]);
    else list.push(item);
  }

  /** Removes `item`: the oldest of its list when the caller removes in arrival order (no search then). */
  remove(item: T): void {
    const key = pairKey(item.stan, item.terminal);
    const list = this.#lists.get(key);
    if (list === undefined) return;
    if (list[0] === item) list.shift();
    else {
      const i = list.indexOf(item);
      if (i !== -1) list.splice(i, 1);
    }
    if (list.length === 0) this.#lists.delete(key);
  }

  /** The latest item with this STAN and terminal (both absent alike) that `matches`. */
  latest(stan: string, terminal: string | undefined, matches: (item: T) => boolean): T | undefined {
    const list = this.#lists.get(pairKey(stan, terminal));
    if (list === undefined) return undefined;
    for (let i = list.length - 1; i >= 0; i--) if (matches(list[i]!)) return list[i];
    return undefined;
  }
}
