/**
 * The transactions a connector has in flight: each reversible request (0100, 0200, their repeats; 1987 or 1993)
 * accepted and not yet settled, by its STAN (field 11) and terminal (field 41) as the wire carries them
 * (`transactionKey`), whether reversal is on or not. An upstream group asks it (`Connector.holdsTransaction`) so that a
 * repeat or a resend of such a transaction goes to this upstream, never to another bank that could approve it too.
 */
import type { Dialect, MessageInput } from '@iso8583/codec';
import { transactionKey } from './match-key.js';
import { isReversible } from './reversal-message.js';

/** A counted set of the transaction keys of the reversible requests in flight (see the file's note). */
export class TransactionsInFlight {
  private readonly byKey = new Map<string, number>();

  /** `dialect`: the connector's, whose fields 11 and 41 say how a STAN and a terminal look on the wire. */
  constructor(private readonly dialect: Dialect) {}

  /**
   * Holds the transaction of `message` (as the connector sends it, auto-filled) when `mti` is reversible; returns the
   * key to {@link TransactionsInFlight.release} when it settles, else `undefined` (nothing held).
   */
  hold(message: MessageInput, mti: string): string | undefined {
    if (!isReversible(mti)) return undefined;
    const key = transactionKey(this.dialect, message['11'], message['41']);
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    return key;
  }

  /** The request held under `key` settled. */
  release(key: string): void {
    const n = (this.byKey.get(key) ?? 0) - 1;
    if (n > 0) this.byKey.set(key, n);
    else this.byKey.delete(key);
  }

  /** True while a reversible request of the transaction `message` names (fields 11 and 41) is in flight. */
  has(message: MessageInput): boolean {
    return this.byKey.size > 0 && this.byKey.has(transactionKey(this.dialect, message['11'], message['41']));
  }
}
