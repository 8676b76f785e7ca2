/**
 * The SAF entries whose last attempt never left for want of a connection (`neverLeft`, saf-entry.ts: a connect refused,
 * the wait for a connection past the attempt's deadline or `pool.acquireTimeout`), and their wake-up: a connection that
 * comes up (connected, signed on) or is given back free (an exclusive pool's release, its connections all lent when
 * the attempt waited) sends each of them at once, rather than `retryInterval` after that attempt. One wake per entry
 * per such attempt: a woken entry leaves the set, and joins it again only when its next attempt never leaves; many
 * connections freed together wake each entry once (its attempt still takes its `messageInterval` slot), and a
 * connection freed with none waiting costs a size check.
 */
import { neverLeft } from './saf-entry.js';
import type { Active } from './saf-entry.js';

/** The entries waiting for a connection (see the file's note). */
export class LinkWaiters {
  private readonly waiting = new Set<Active>();

  /** After an attempt of `a` that failed with `code`: true (and `a` waits for a connection) when it never left. */
  failed(a: Active, code: string | undefined): boolean {
    if (!neverLeft(code)) return false;
    this.waiting.add(a);
    return true;
  }

  /** An attempt of `a` starts (woken, its timer, a flush): it waits for a connection no more. */
  started(a: Active): void {
    this.waiting.delete(a);
  }

  /**
   * A connection is up or free: hands each entry waiting for one to `send`, which returns 1 when it sent it now (0: it
   * is not waiting for its next attempt, and stays here). Returns how many went.
   */
  wake(send: (a: Active) => number): number {
    if (this.waiting.size === 0) return 0;
    let sent = 0;
    for (const a of [...this.waiting]) {
      const n = send(a);
      if (n > 0) this.waiting.delete(a);
      sent += n;
    }
    return sent;
  }
}
