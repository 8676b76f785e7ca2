/**
 * The transactions a connector in an upstream group has in flight: each reversible request (0100, 0200, their repeats;
 * 1987 or 1993) accepted and not yet settled, whether reversal is on or not. The group asks it
 * (`Connector.holdsTransaction`) so that a repeat or a resend of such a transaction goes to this upstream, never to
 * another bank that could approve it too. A transaction is held by its STAN and terminal as the wire carries them
 * (`transactionKey`, the one key reversals go by too), narrowed by what a repeat carries unchanged and an unrelated
 * transaction with the same STAN and terminal id (another acquirer's terminal) need not: its acquirer (field 32) and
 * its card (field 2, by its first six and last four digits and its length: no whole card number is kept). A request
 * without field 41 (host-to-host traffic, whose STAN alone names no transaction) is not held. Nothing is held, and no
 * key built, until an upstream group adopts the connector ({@link TransactionsInFlight.tracking}).
 */
import type { Dialect, MessageInput } from '@iso8583/codec';
import { fieldText, transactionKey, wireValue } from './match-key.js';
import { isReversible } from './reversal-message.js';

/** A card number (field 2) as the held key carries it: its first six and last four digits and its length; `''` when absent. */
function cardMark(pan: unknown): string {
  const text = fieldText(pan);
  if (text === undefined) return '';
  return text.length <= 10 ? text : `${text.slice(0, 6)}.${text.length}.${text.slice(-4)}`;
}

/** A counted set of the held keys of the reversible requests in flight (see the file's note). */
export class TransactionsInFlight {
  private readonly byKey = new Map<string, number>();

  /** True once an upstream group adopted the connector: only then are transactions held. Default false. */
  tracking = false;

  /** `dialect`: the connector's, whose fields 11, 41 and 32 say how a STAN, a terminal and an acquirer look on the wire. */
  constructor(private readonly dialect: Dialect) {}

  /**
   * Holds the transaction of `message` (as the connector sends it, auto-filled) when tracking, `mti` is reversible and
   * the message has fields 11 and 41; returns the key to {@link TransactionsInFlight.release} when it settles, else
   * `undefined` (nothing held).
   */
  hold(message: MessageInput, mti: string): string | undefined {
    if (!this.tracking || message['41'] == null || message['11'] == null || !isReversible(mti)) return undefined;
    const key = this.keyOf(message);
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    return key;
  }

  /** The request held under `key` settled. */
  release(key: string): void {
    const n = (this.byKey.get(key) ?? 0) - 1;
    if (n > 0) this.byKey.set(key, n);
    else this.byKey.delete(key);
  }

  /** True while a reversible request of the transaction `message` names (fields 11, 41, 32 and 2) is in flight. */
  has(message: MessageInput): boolean {
    return this.byKey.size > 0 && message['41'] != null && this.byKey.has(this.keyOf(message));
  }

  /** The held key of `message`: its transaction key, its acquirer and its card's mark (see the file's note). */
  private keyOf(message: MessageInput): string {
    const acquirer = fieldText(message['32']);
    return `${transactionKey(this.dialect, message['11'], message['41'])}|${acquirer === undefined ? '' : wireValue(this.dialect.fields['32'], acquirer)}|${cardMark(message['2'])}`;
  }
}
