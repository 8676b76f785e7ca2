/**
 * Which upstream of a group had an original (MTI class 1 or 2), so that its reversal (class 4) and its advices (x2x)
 * go to the same host: only the bank that has the original can undo or complete it. The map is in memory only, and
 * bounded (`maxOriginals`, the least recently sent forgotten first: an original sent again, a repeat or a resend under
 * the same STAN and terminal, counts from its last send): a restart, another gateway node, or an original not among the
 * last `maxOriginals` sent leave it unknown. A reversal or advice whose original is unknown goes where a routing rule says,
 * else to the first upstream (the primary): never by failover or round robin to another bank. The repeats (x0x1) of a
 * reversible original (0100, 0200) go to its upstream too, answered or not (its answer may have been lost on the way to
 * the terminal, or never come: the host may have approved it, and another bank would approve the repeat as well).
 */
import type { MessageInput } from '@iso8583/codec';
import type { Connector } from './connector.js';
import { fieldText, mtiText, transactionKey } from './match-key.js';

/** An upstream as the map knows it: its connector (the dialect of its keys). */
interface Upstream {
  readonly connector: Connector;
}

/** True for a message that belongs with its original: a reversal (class 4, e.g. 0400, 0420, 1420) or an advice (x2x). */
export function followsOriginal(mti: string): boolean {
  return mti[1] === '4' || mti[2] === '2';
}

/** The originals a group remembers, keyed by STAN (field 11) and terminal (field 41) in each upstream's dialect. */
export class Originals<L extends Upstream> {
  private readonly map = new Map<string, L>();

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
      const key = transactionKey(link.connector.codec.dialect, message['11'], message['41']);
      // Deleted first, so that the key is set again at the end of the map's order (a Map keeps its first insertion's).
      this.map.delete(key);
      this.map.set(key, link);
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
    const data = fieldText(message[mtiText(message['0'])[0] === '1' ? '56' : '90']);
    const stan = data !== undefined && data.length >= 10 ? data.slice(4, 10) : message['11'];
    for (const link of this.links) {
      if (this.map.get(transactionKey(link.connector.codec.dialect, stan, message['41'])) === link) return link;
    }
    return undefined;
  }
}
