/**
 * Journal entries and remembered reversals by STAN (field 11) and terminal (field 41): what a reversal or a late
 * original is looked up by. One list per STAN and terminal, so that one terminal that reuses a STAN many times (or
 * many terminals under one STAN) slows only its own lookups, never the shared host's.
 */

/** What the index needs of an item: its STAN, its terminal (when given) and its place in arrival order. */
export interface Indexed {
  stan: string;
  terminal?: string | undefined;
  /** Arrival order: a later item has a larger serial. */
  serial: number;
}

/** A terminal key that no field 41 can be (a terminal id is text, never `undefined`). */
const NO_TERMINAL = '\u0000';

export class StanTerminalIndex<T extends Indexed> {
  /** STAN -> terminal (or {@link NO_TERMINAL}) -> items in arrival order. */
  readonly #byStan = new Map<string, Map<string, T[]>>();

  add(item: T): void {
    let terminals = this.#byStan.get(item.stan);
    if (terminals === undefined) this.#byStan.set(item.stan, (terminals = new Map()));
    const key = item.terminal ?? NO_TERMINAL;
    const list = terminals.get(key);
    if (list === undefined) terminals.set(key, [item]);
    else list.push(item);
  }

  /** Removes `item`: the oldest of its list when the caller removes in arrival order (no search then). */
  remove(item: T): void {
    const terminals = this.#byStan.get(item.stan);
    const key = item.terminal ?? NO_TERMINAL;
    const list = terminals?.get(key);
    if (terminals === undefined || list === undefined) return;
    if (list[0] === item) list.shift();
    else {
      const i = list.indexOf(item);
      if (i !== -1) list.splice(i, 1);
    }
    if (list.length > 0) return;
    terminals.delete(key);
    if (terminals.size === 0) this.#byStan.delete(item.stan);
  }

  /**
   * The latest item with this STAN that `matches`, among those of `terminal` and those without one (an absent
   * terminal matches any); among all of the STAN's when `terminal` is undefined.
   */
  latest(stan: string, terminal: string | undefined, matches: (item: T) => boolean): T | undefined {
    const terminals = this.#byStan.get(stan);
    if (terminals === undefined) return undefined;
    const lists = terminal === undefined ? [...terminals.values()] : [terminals.get(terminal), terminals.get(NO_TERMINAL)];
    let found: T | undefined;
    for (const list of lists) {
      if (list === undefined) continue;
      for (let i = list.length - 1; i >= 0 && (found === undefined || list[i]!.serial > found.serial); i--) {
        if (matches(list[i]!)) {
          found = list[i];
          break;
        }
      }
    }
    return found;
  }
}
