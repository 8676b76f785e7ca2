/**
 * A sequence's result that does not answer its request as the standard expects: none at all (`undefined`, a forgotten
 * `return`) for a request that expects a response, a reply whose MTI is not the request's response MTI (the request
 * echoed back: an 0200 answered with an 0200 and no field 39), or a reply to a message that expects none (a response,
 * 0210 or 0430, that a client sent). None changes what is sent (`null` is the explicit
 * way to send nothing; a reply of another MTI is sent as it is): each is counted as
 * `ISO8583_ERR_INBOUND_REPLY_UNEXPECTED` and logged at warn, at most `REPLY_WARNINGS_PER_SECOND` lines a second for
 * the endpoint (the next says how many were left out), with MTIs, STAN and terminal only, never card data.
 */
import { responseMti, summarize } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import type { EndpointCore, Peer } from './core.js';
import { logSafely } from './safe-log.js';
import type { ResultSource } from './sequence.js';

/** Warnings a second, at most, for results that do not answer their request (every one is counted). */
export const REPLY_WARNINGS_PER_SECOND = 20;

const CODE = 'ISO8583_ERR_INBOUND_REPLY_UNEXPECTED';

/** `undefined` from the sequence or onError for a request that expects a response: counted and logged; nothing is sent. */
export function noReply(core: EndpointCore, peer: Peer, request: IsoMessage, mti: string, messageId: string, source: ResultSource): void {
  if (responseMti(mti) === undefined) return;
  warn(core, peer, request, messageId, source, undefined, `the ${source} returned no reply (undefined) for a request that expects one: nothing sent (return null to send nothing)`);
}

/**
 * A reply about to be sent (packed: its MTI is four digits, `reply`) whose MTI is not the request's response MTI, or
 * any reply to a request that expects none (a response, 0210 or 0430, or a response acknowledgement): counted and
 * logged; sent as it is.
 */
export function checkReplyMti(core: EndpointCore, peer: Peer, request: IsoMessage, mti: string, reply: unknown, messageId: string, source: ResultSource): void {
  const expected = responseMti(mti);
  const got = typeof reply === 'string' ? reply : undefined;
  if (got === expected) return;
  const replyMti = got === undefined ? '(none)' : got.replace(/[^0-9A-Za-z]/g, '?').slice(0, 4);
  const text = expected === undefined
    ? `the ${source} replied to a message that expects no response: sent as it is (return null to send nothing)`
    : `the ${source}'s reply is not the request's response MTI ${expected}: sent as it is`;
  warn(core, peer, request, messageId, source, replyMti, text);
}

function warn(core: EndpointCore, peer: Peer, request: IsoMessage, messageId: string, source: ResultSource, replyMti: string | undefined, text: string): void {
  core.metrics.error(CODE);
  const suppressed = core.replyWarnings.take();
  if (suppressed === undefined) return;
  logSafely(() => peer.logger.warn(
    { code: CODE, messageId, source, ...summarize(request), ...(replyMti === undefined ? {} : { replyMti }), ...(suppressed > 0 ? { suppressed } : {}) },
    text,
  ));
}
