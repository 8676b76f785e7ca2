/**
 * An answer that matches no request on the connection it came on, matched against the requests waiting on the other
 * connections of the connector: a host may answer on another connection than the request's (a pool of connections to
 * one host). Without this, it was taken for an older timed-out request's late answer under the same key (counted as
 * that one's approval) or unsolicited, and its own request timed out and was reversed. With a request under the same key
 * waiting on each of two connections, the field 7 each sent tells whose an answer is, whichever connection it comes
 * on (else the one on its connection was told the other's outcome). Undecodable answers are matched so too
 * (channel-recovered.ts). See "Write and match" in docs/connector.md.
 */
import { DictionaryMap } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import type { Channel } from './channel.js';
import type { ChannelRequest } from './channel-request.js';
import type { LateKeys } from './late-keys.js';
import { answersMti } from './match-key.js';
import { amountOf } from './socketqueue-figures.js';

/**
 * A connector's open channels (channel-factory.ts), with the channels a request waits on by its match key, kept by the
 * channels' own {@link PendingRequests}: an answer's peers are looked up under its key, O(requests waiting under it),
 * not in every channel of the pool.
 */
export class PeerChannels extends Set<Channel> {
  /** The channels with a request waiting under each key, the first to wait first (keys gained and lost per request). */
  readonly waiting = new DictionaryMap<Channel[]>();
}

/**
 * A channel's requests awaiting their answer, by match key, that keep `peers.waiting` (its connector's index, none
 * for a channel of no connector) in step: the channel is listed under a key while a request of its waits under it.
 */
export class PendingRequests extends DictionaryMap<ChannelRequest> {
  constructor(
    private readonly channel: Channel,
    private readonly peers?: PeerChannels,
  ) {
    super();
  }

  override set(key: string, value: ChannelRequest): this {
    const had = this.has(key);
    super.set(key, value);
    if (this.peers === undefined || had || value === undefined) return this;
    const channels = this.peers.waiting.get(key);
    if (channels === undefined) this.peers.waiting.set(key, [this.channel]);
    else channels.push(this.channel);
    return this;
  }

  override delete(key: string): boolean {
    if (!super.delete(key)) return false;
    const channels = this.peers?.waiting.get(key);
    if (channels === undefined) return true;
    const at = channels.indexOf(this.channel);
    if (at >= 0) channels.splice(at, 1);
    if (channels.length === 0) this.peers?.waiting.delete(key);
    return true;
  }

  override clear(): void {
    for (const key of this.keys()) this.delete(key);
    super.clear();
  }
}

/**
 * The request waiting under `key` on one of `peers` other than `self` that `message` answers: of its class (any, when
 * the match key holds field 0: `keysMti`), and no stale answer for it (late-keys.ts `stale`: a timed-out request's late
 * answer, the host's copy of an earlier answer); the one that sent `message`'s field 7 first, else the first found.
 * An answer without field 7 (a host that does not echo it) under a key a request timed out under on this connector is
 * likely that request's late answer: it goes to a peer request only when it carries the amount (field 4) and
 * processing code (field 3) that request sent, else to none (judged late or unsolicited here). `undefined`: none.
 */
export function peerWaiting(
  peers: PeerChannels,
  self: Channel,
  key: string,
  message: IsoMessage,
  keysMti: boolean,
  late: LateKeys,
): { channel: Channel; req: ChannelRequest } | undefined {
  let found: { channel: Channel; req: ChannelRequest } | undefined;
  const bare = typeof message['7'] !== 'string' && late.has(key);
  // The channels a request waits on under the key (PendingRequests keeps the list), those of the open ones only.
  for (const channel of peers.waiting.get(key) ?? []) {
    if (channel === self || !peers.has(channel)) continue;
    const req = channel.pending.get(key);
    if (req === undefined || (!keysMti && !answersMti(req.mti, message['0']))) continue;
    if (late.stale(key, req.anyAnswer ? undefined : req.echo7, message) !== undefined) continue;
    if (req.echo7 !== undefined && req.echo7 === message['7']) return { channel, req };
    if (bare && !sentAsAnswered(req, message)) continue;
    found ??= { channel, req };
  }
  return found;
}

/**
 * The request `message` (a response under `key`, come on `self`) answers, with its channel: the one waiting under the
 * key on `self` (whatever its class: channel.ts `answer` judges that), unless none of its class waits there, or it sent
 * another field 7 (`echo7`) than the answer echoes, or none, while a request waiting on one of `peers` sent exactly that one
 * (pool connections under one key: the answer is that request's, whichever connection it comes on; {@link peerWaiting}
 * then). `undefined`: none (a late answer, a copy, or unsolicited).
 */
export function answerTarget(
  peers: PeerChannels,
  self: Channel,
  key: string,
  message: IsoMessage,
  keysMti: boolean,
  late: LateKeys,
): { channel: Channel; req: ChannelRequest } | undefined {
  const req = self.pending.get(key);
  const own = req !== undefined && (keysMti || answersMti(req.mti, message['0']));
  const echoed = message['7'];
  // An answer echoing a field 7 this request did not send (or none: it sent no field 7) goes to a peer request that
  // sent exactly that one, if any.
  const otherEcho = own && typeof echoed === 'string' && req.echo7 !== echoed;
  if (!own || otherEcho) {
    const peer = peerWaiting(peers, self, key, message, keysMti, late);
    if (peer !== undefined && (!own || peer.req.echo7 === echoed)) return peer;
  }
  return req === undefined ? undefined : { channel: self, req };
}

/** Whether `message` carries the amount (field 4) and processing code (field 3) `req` sent. */
function sentAsAnswered(req: ChannelRequest, message: IsoMessage): boolean {
  return amountOf(req.amount) === amountOf(message['4']) && String(req.processingCode ?? '') === String(message['3'] ?? '');
}
