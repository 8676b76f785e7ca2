/**
 * SAF entries by id with their kind (the connector's reversal, or a stored advice), the reversals among them kept as
 * the map changes, so that a read of the SAF figures (saf-figures.ts: a metrics scrape, the console, each `saf` event
 * of a graceful stop) walks none of them. The one home of that count for the places that hold ids and kinds only: the
 * entries handed in after a stop (saf-figures.ts) and the ends waiting for their `done` (saf-ends.ts).
 */
import type { SafEntryKind } from './saf-store.js';

/** Entry ids and their kinds, with the reversals among them (see the file's note). */
export class SafKinds extends Map<string, SafEntryKind> {
  /** Kept by `set`, `delete` and `clear`: the constructor takes no entries (Map's would call `set` before it is made). */
  private reversalCount = 0;

  constructor() {
    super();
  }

  /** The reversals among the entries (the others are advices). */
  get reversals(): number {
    return this.reversalCount;
  }

  override set(id: string, kind: SafEntryKind): this {
    if (super.get(id) === 'reversal') this.reversalCount -= 1;
    super.set(id, kind);
    if (kind === 'reversal') this.reversalCount += 1;
    return this;
  }

  override delete(id: string): boolean {
    if (super.get(id) === 'reversal') this.reversalCount -= 1;
    return super.delete(id);
  }

  override clear(): void {
    this.reversalCount = 0;
    super.clear();
  }
}
