/**
 * Which upstream of a group had an original (MTI class 1 or 2), so that its reversal (class 4) and its advices (x2x)
 * go to the same host: only the bank that has the original can undo or complete it. The map is in memory only, and
 * bounded (`maxOriginals`, the least recently sent forgotten first: an original sent again, a repeat or a resend under
 * the same STAN and terminal, counts from its last send): a restart, another gateway node, or an original not among the
 * last `maxOriginals` sent leave it unknown here. With a shared PostgreSQL store (`StoredOriginals`), the store's records
 * of every node's originals say where it went (a reversal's, an advice's or a repeat's original only: a plain request
 * asks nothing). Unknown there too, a reversal or advice goes where a routing rule says, else an advice to the first upstream (the
 * primary), never by failover or round robin to another bank, and a reversal to each upstream in turn while the answer
 * is "original not found" (`notFound`; upstream-group.ts); a repeat goes by the strategy (with a store: no node sent
 * its original within the store's retention). The repeats (x0x1) of a
 * reversible original (0100, 0200), and the original sent again as it was (a retransmission: 0200 again), go to its
 * upstream too, answered or not (its answer may have been lost on the way to the terminal, or never come: the host
 * may have approved it, and another bank would approve it as well). An original is noted as its upstream's connector
 * sends it (a STAN that connector fills in included), once accepted there, not only once answered. A message names a
 * remembered original by the one rule of transactions-in-flight.ts (`sameTransaction`): the same STAN and terminal,
 * and its acquirer (32) and card (2) each absent on one side or equal; another acquirer's or card's transaction under
 * the same STAN and terminal id is not drawn to it.
 */
import { readMessage, responseCodeIn } from '@iso8583/codec';
import type { Dialect, MessageInput } from '@iso8583/codec';
import type { EncodedResponse } from './relay.js';
import { FILLS, RELAY, TEXT } from './upstream-group-kinds.js';
import type { Kind } from './upstream-group-kinds.js';
import type { Connector } from './connector.js';
import type { ReversalJournal } from './saf-store.js';
import { fieldText, mtiText, originalStanOf, transactionKey, wireValue } from './match-key.js';
import { sameTransaction, transactionIdentity, type HeldTransaction } from './transactions-in-flight.js';

/** An upstream as the map knows it: its connector (the dialect of its keys). */
interface Upstream {
  readonly connector: Connector;
}

/** True for a message that belongs with its original: a reversal (class 4, e.g. 0400, 0420, 1420) or an advice (x2x). */
export function followsOriginal(mti: string): boolean {
  return mti[1] === '4' || mti[2] === '2';
}

/**
 * True when `answer` (what the group's caller of `kind` gets: a message, a wire answer's `message`, or text) answers the
 * reversal `request` with "original not found" in `dialect`: 25, or what the dialect says for it (a 1993 action code).
 */
export function notFound(dialect: Dialect, request: MessageInput, kind: Kind, answer: unknown): boolean {
  const how = kind % FILLS;
  let message: MessageInput | undefined;
  try {
    message = how === TEXT ? readMessage(answer as string).message : how === RELAY ? (answer as EncodedResponse).message : (answer as MessageInput);
  } catch {
    return false;
  }
  const rc = fieldText(message?.['39']);
  return rc !== undefined && rc === responseCodeIn(dialect, mtiText(request['0']), '25');
}

/** One original remembered: where it went, and its identity (key, acquirer, card) in that upstream's dialect. */
interface Sent<L> {
  readonly link: L;
  readonly id: HeldTransaction;
}

/** Most originals of other transactions remembered under one STAN and terminal (another acquirer's, another card's). */
const PER_KEY = 4;

/**
 * The originals a group remembers, keyed by STAN (field 11) and terminal (field 41) in each upstream's dialect, each
 * with its acquirer and card: a message names one when it agrees by the one rule of transactions-in-flight.ts.
 */
export class Originals<L extends Upstream> {
  private readonly map = new Map<string, Sent<L>[]>();

  constructor(
    /** Most originals remembered; 0 = none. */
    private readonly max: number,
    /** The group's upstreams, in order. */
    private readonly links: readonly L[],
  ) {}

  /**
   * Notes the upstream of an original (MTI class 1 or 2) as the most recent; past `max` the least recently noted is
   * forgotten (a key noted again moves up: the cut never drops an original just sent for an older one).
   */
  remember(message: MessageInput, link: L): void {
    // The MTI as the wire has it (a number 200 is 0200), so that a request given with numbers is remembered too.
    const kind = mtiText(message['0']).charCodeAt(1);
    // With one upstream every reversal goes to it anyway: nothing to remember (the single-upstream path stays lean).
    if ((kind === 49 || kind === 50) && this.max > 0 && this.links.length > 1 && message['11'] != null) {
      const id = transactionIdentity(link.connector.codec.dialect, message);
      // The same transaction sent again (its identity equal) is noted once, as the most recent; others under its key stay.
      const same = (s: Sent<L>): boolean => s.id.acquirer === id.acquirer && s.id.card === id.card;
      const known = this.map.get(id.key);
      const list = known === undefined ? [] : known.filter((s) => !same(s));
      list.push({ link, id });
      if (list.length > PER_KEY) list.shift();
      // Deleted first, so that the key is set again at the end of the map's order (a Map keeps its first insertion's).
      this.map.delete(id.key);
      this.map.set(id.key, list);
      if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
    }
  }

  /**
   * The upstream of a reversal's, an advice's or a repeat's original, by the original's key (the STAN of its original
   * data elements, when given:
   * field 90 of a 1987 message, field 56 of a 1993 one (MTI `1xxx`), where 90 is a count; else the reversal's own
   * field 11; and field 41) in each upstream's dialect: an original is remembered under the key its own upstream's
   * dialect gives, so `9201` and `'009201'` find it alike.
   */
  of(message: MessageInput): L | undefined {
    if (this.map.size === 0) return undefined;
    const stan = originalStanOf(message);
    for (const link of this.links) {
      const dialect = link.connector.codec.dialect;
      const list = this.map.get(transactionKey(dialect, stan, message['41']));
      if (list === undefined) continue;
      const asked = transactionIdentity(dialect, message, stan);
      // The most recent of the transaction: the last noted that agrees.
      for (let i = list.length - 1; i >= 0; i--) {
        const s = list[i] as Sent<L>;
        if (s.link === link && sameTransaction(s.id, asked)) return link;
      }
    }
    return undefined;
  }
}

/**
 * Where the group's originals went as a shared store records them for every node (a journal with `originalUpstream`:
 * PostgreSQL, pg/originals-sql.ts): asked for a reversal's, an advice's or a repeat's original that this process does
 * not remember (another node sent it, or this one restarted). Made only for a group of several upstreams of which one
 * at least journals in such a store, and all that do in the same one (`sameStore`: journals in different databases
 * would each know only their own originals, so the group asks none, as without a store); each such journal's guard then
 * spans every upstream's keys (`guardAcross`): a transaction pending under one refuses its request at any other, on any
 * node.
 */
export class StoredOriginals<L extends Upstream> {
  private constructor(
    /** The journal asked (the first of the group with a store: the group's upstreams share it). */
    private readonly journal: Required<Pick<ReversalJournal, 'originalUpstream'>>,
    /** Each upstream key (with the former ones) and its upstream. */
    private readonly byKey: ReadonlyMap<string, L>,
    /** The group's upstreams, in order (the dialects the look-up's fields are put in). */
    private readonly links: readonly L[],
  ) {}

  /** The store of `links` (`undefined`: fewer than two upstreams, none with a shared store, or stores that differ). */
  static of<L extends Upstream>(links: readonly L[]): StoredOriginals<L> | undefined {
    if (links.length < 2) return undefined;
    const byKey = new Map<string, L>();
    const journals: ReversalJournal[] = [];
    for (const link of links) {
      const journal = link.connector.journal;
      if (journal?.originalUpstream === undefined || journal.claims === undefined) continue;
      journals.push(journal);
      for (const key of journal.claims) if (!byKey.has(key)) byKey.set(key, link);
    }
    const first = journals[0];
    if (first === undefined || !journals.every((j) => first.sameStore?.(j) === true)) return undefined;
    for (const journal of journals) journal.guardAcross?.([...byKey.keys()]);
    return new StoredOriginals(first as Required<Pick<ReversalJournal, 'originalUpstream'>>, byKey, links);
  }

  /**
   * The upstream of `message`'s original by the store (its terminal, its original's STAN, its acquirer and card where
   * both sides have them), `undefined` when none is recorded or the message has no field 41 (a STAN alone names no
   * transaction); rejects with `ISO8583_ERR_CONNECTOR_STORE` when the store cannot answer.
   */
  async find(message: MessageInput): Promise<L | undefined> {
    const terminal = fieldText(message['41']);
    const stan = fieldText(originalStanOf(message));
    if (terminal === undefined || stan === undefined) return undefined;
    // Each as every upstream's dialect puts it on the wire: the stored reversal holds them as its bank got them.
    const terminals = new Set<string>();
    const stans = new Set<string>();
    for (const link of this.links) {
      const { fields } = link.connector.codec.dialect;
      terminals.add(wireValue(fields['41'], terminal));
      stans.add(wireValue(fields['11'], stan));
    }
    const asked = { keys: [...this.byKey.keys()], terminals: [...terminals], stans: [...stans], acquirer: fieldText(message['32']), card: fieldText(message['2']) };
    const key = await this.journal.originalUpstream(asked);
    return key === undefined ? undefined : this.byKey.get(key);
  }
}
