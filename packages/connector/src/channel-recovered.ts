/**
 * An undecodable response whose match key can still be read (every match-key field recovered, or absent before the
 * failing field: not sent, as in a request without field 41; a response MTI): the request it answers, on whichever
 * connection of the connector it waits (as for a decodable answer: channel-peers.ts), fails at once with
 * `ISO8583_ERR_CONNECTOR_BAD_RESPONSE` (channel.ts): the host answered, but what it answered is unknown.
 */
import { recoverFields } from '@iso8583/codec';
import type { IsoMessage, Iso8583Error } from '@iso8583/codec';
import type { Channel } from './channel.js';
import { answerTarget } from './channel-peers.js';
import type { PeerChannels } from './channel-peers.js';
import type { ChannelHost, ChannelRequest } from './channel-request.js';
import { connectorError } from './errors.js';
import type { LateKeys } from './late-keys.js';
import { answersMti, isRequestMti } from './match-key.js';

/**
 * The request that the undecodable response `payload` (its decode error `e`), come on `self`, answers, with its channel
 * and the error to fail it with: one waiting on `self`, or on one of `peers` (the connector's open channels), chosen as
 * a decodable answer's is (channel-peers.ts `answerTarget`: by its field 7 when two wait under the key); `undefined`:
 * its key cannot be read, or it answers none. A response that decodes whole but for bytes
 * after its last field gives its whole key (recover.ts `trailing`): the key is only looked up here, never echoed or
 * logged, and one read from bytes a misread prefix shifted would have to equal a pending request's STAN and terminal
 * (that request would then be reversed, as after its timeout).
 */
export function recoveredAnswer(
  host: ChannelHost,
  peers: PeerChannels,
  self: Channel,
  late: LateKeys,
  payload: Buffer,
  e: Iso8583Error,
): { channel: Channel; req: ChannelRequest; error: Iso8583Error } | undefined {
  let recovered: IsoMessage | undefined;
  try {
    recovered = recoverFields(host.codec, payload, e.field, { trailing: 'whole' });
  } catch {
    return undefined;
  }
  if (recovered === undefined) return undefined;
  const mti = recovered['0'];
  if (typeof mti !== 'string' || isRequestMti(mti)) return undefined;
  // A key field before the failing one, absent although fields were read after the MTI, was not in the answer (its
  // bit clear: the recovery reads every field before the one that failed): empty, as `ofResponse` reads it.
  const failed = e.field === undefined ? NaN : Number.parseInt(e.field, 10);
  const readPast = (field: string): boolean => recovered[field] === undefined && Number(field) < failed && Object.keys(recovered).length > 1;
  for (const field of host.matchKey.fields) if (typeof recovered[field] !== 'string' && !readPast(field)) return undefined;
  const key = host.matchKey.ofResponse(recovered);
  const target = answerTarget(peers, self, key, recovered, host.matchKey.keysMti, late);
  if (target === undefined) return undefined;
  const { channel, req } = target;
  // An answer of another class (a matchKey without field 0), the late answer of a timed-out request under the same
  // key, or the host's duplicate of an answered one's (its field 7 tells): not this request's to fail.
  if ((!host.matchKey.keysMti && !answersMti(req.mti, mti)) || late.stale(key, req.anyAnswer ? undefined : req.echo7, recovered) !== undefined) return undefined;
  const error = connectorError(
    'ISO8583_ERR_CONNECTOR_BAD_RESPONSE',
    `the response (${mti}) does not decode${e.field === undefined ? '' : ` at field ${e.field}`} (${e.code}); the outcome at the host is unknown`,
    { mti: req.mti, cause: e, ...(e.field === undefined ? {} : { field: e.field }) },
  );
  return { channel, req, error };
}
