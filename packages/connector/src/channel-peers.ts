/**
 * An answer that matches no request on the connection it came on, matched against the requests waiting on the other
 * connections of the connector: a host may answer on another connection than the request's (a pool of connections to
 * one host). Without this, it was taken for an older timed-out request's late answer under the same key (counted as
 * that one's approval) or unsolicited, and its own request timed out and was reversed. See "Write and match" in
 * docs/connector.md.
 */
import type { IsoMessage } from '@iso8583/codec';
import type { Channel } from './channel.js';
import type { ChannelRequest } from './channel-request.js';
import type { LateKeys } from './late-keys.js';
import { answersMti } from './match-key.js';
import { amountOf } from './socketqueue-figures.js';

/**
 * The request waiting under `key` on one of `peers` other than `self` that `message` answers: of its class (any, when
 * the match key holds field 0: `keysMti`), and no stale answer for it (late-keys.ts `stale`: a timed-out request's late
 * answer, the host's copy of an earlier answer); the one that sent `message`'s field 7 first, else the first found.
 * An answer without field 7 (a host that does not echo it) under a key a request timed out under on this connector is
 * likely that request's late answer: it goes to a peer request only when it carries the amount (field 4) and
 * processing code (field 3) that request sent, else to none (judged late or unsolicited here). `undefined`: none.
 */
export function peerWaiting(
  peers: ReadonlySet<Channel>,
  self: Channel,
  key: string,
  message: IsoMessage,
  keysMti: boolean,
  late: LateKeys,
): { channel: Channel; req: ChannelRequest } | undefined {
  let found: { channel: Channel; req: ChannelRequest } | undefined;
  const bare = typeof message['7'] !== 'string' && late.has(key);
  for (const channel of peers) {
    if (channel === self) continue;
    const req = channel.pending.get(key);
    if (req === undefined || (!keysMti && !answersMti(req.mti, message['0']))) continue;
    if (late.stale(key, req.anyAnswer ? undefined : req.echo7, message) !== undefined) continue;
    if (req.echo7 !== undefined && req.echo7 === message['7']) return { channel, req };
    if (bare && !sentAsAnswered(req, message)) continue;
    found ??= { channel, req };
  }
  return found;
}

/** Whether `message` carries the amount (field 4) and processing code (field 3) `req` sent. */
function sentAsAnswered(req: ChannelRequest, message: IsoMessage): boolean {
  return amountOf(req.amount) === amountOf(message['4']) && String(req.processingCode ?? '') === String(message['3'] ?? '');
}
