/**
 * How a flow's book judges the reply its terminal is told (undelivered-approvals.ts): whether its field 39, as the
 * endpoint packs it, tells the terminal that money moved; and the reply as the sequence gave it (`replySnapshot`),
 * which the book judges and the endpoint writes, so that what the sequence does with its reply object afterwards
 * changes neither.
 */
import { EncodedReply, rcFixedTextLength } from '@iso8583/inbound';
import { isApprovalClass, readMessage } from '@iso8583/codec';
import type { Codec, MessageInput } from '@iso8583/codec';
import type { SequenceResult } from '@iso8583/inbound';
import type { MessageAnswers } from './message-answers.js';
import { toldCopy } from './told-copy.js';

/**
 * The message of a reply: an object as it is, XML or JSON text read in `codec`'s dialect (jPOS's `type`, as the
 * endpoint reads it), an encoded reply's message; `undefined` for no reply. Throws for text that is not a message.
 */
function messageOf(result: SequenceResult, codec: Codec): Record<string, unknown> | undefined {
  const message = result instanceof EncodedReply ? result.message : typeof result === 'string' ? readMessage(result, { dialect: codec.dialect }).message : result;
  return message === null || typeof message !== 'object' ? undefined : (message as Record<string, unknown>);
}

/**
 * Field 39 of a reply as the endpoint packs it with `codec` (its dialect and `lenient`, as the endpoint's own codec: a
 * reply only a lenient endpoint packs is judged as packed), so as its terminal gets it: an object as it is, XML or
 * JSON text read in the dialect (jPOS's `type`, as the endpoint reads it), an encoded reply's message; packed and read
 * back, so that a value the pack pads is judged padded (`0` in an `n 3` field 39 is the approval `000` the terminal is
 * told); one the codec cannot pack, as written. Undefined when there is no reply or it has no field 39. Throws for
 * text that is not a message, or a getter that throws.
 */
function responseCodeOf(result: SequenceResult, codec: Codec): unknown {
  const message = messageOf(result, codec);
  if (message === undefined) return undefined;
  // Text of the field's fixed length goes out as written (the pack checks it, pads nothing): no pack to read it.
  const rc = message['39'];
  if (typeof rc === 'string' && rc.length === rcFixedTextLength(codec.dialect)) return rc;
  let bytes: Buffer;
  try {
    bytes = codec.pack(message as MessageInput);
  } catch {
    // The endpoint cannot pack it either: it answers 96 and hands the reply to `onLateResult` (`reply-invalid`), which
    // reverses what this kept; judged as written meanwhile, so that its reason is that one.
    return message['39'];
  }
  return codec.unpack(bytes)['39'];
}

/**
 * Whether `result`, the answer the terminal is sent to its request `mti`, tells it that money moved: its field 39 (as
 * packed) is that of an approval one of `books` holds, judged in the dialect of the upstream that gave it (`relays`: a bank's
 * own approval code relayed), or approves in `dialect`, the endpoint's, or is of the standard's approval class (a
 * partial approval `10` or `002`...: `isApprovalClass`, as the bank's answers are judged by the connector's movedMoney, or the
 * approval behind a `10` told would be reversed). The request's MTI says which edition's codes the answer carries (its
 * version digit is the answer's). `codec` is the endpoint's (its dialect and `lenient`: one a flow's endpoint, made by
 * `UndeliveredApprovals.bind`). `undefined` before `bind` (no codec to judge by), or when the answer cannot be
 * looked at (text that is not a message, a getter that throws): the endpoint cannot pack it either, answers 96 and
 * hands it to `onLateResult` (`reply-invalid`).
 */
export function approvalOf(codec: Codec | undefined, mti: string, result: SequenceResult, books: readonly (MessageAnswers | undefined)[]): boolean | undefined {
  try {
    if (codec === undefined) return undefined;
    const code = responseCodeOf(result, codec);
    return books.some((book) => book?.relays(code) === true) || isApprovalClass(codec.dialect, code, mti);
  } catch {
    return undefined;
  }
}

/**
 * Whether onError's approving answer `result` (to a message whose sequence failed or timed out) is the approval of
 * onError's own link (a backup: `own`, onError's book): its fields 39 and 38 (the authorization code, as written) are
 * those of an approval of a reversible request `own` holds (`MessageAnswers.relaysApproval`: one that could be the
 * sequence's too is taken as onError's, so that one approval is kept). The terminal was told that approval, so the
 * sequence's are reversed. `false` for anything else: a stand-in approval (even after onError's approved advice or
 * administrative message, which backs nothing), the sequence's own relayed (the sequence's are kept), or an answer
 * that cannot be looked at (the endpoint answers it with a 96: everything is reversed anyway).
 */
export function backedByOwn(codec: Codec | undefined, result: SequenceResult, own: MessageAnswers | undefined): boolean {
  if (codec === undefined || own === undefined) return false;
  try {
    const message = messageOf(result, codec);
    return own.relaysApproval(responseCodeOf(result, codec), message);
  } catch {
    return false;
  }
}

/**
 * The reply `result` as the sequence gave it, which the book judges and the endpoint writes: an object reply copied once
 * as the endpoint packs it (`toldCopy`: its own enumerable fields, each getter read once, composite fields and bytes
 * copied, no prototype), so that neither a field the sequence sets afterwards (a reply object it reuses, changes in a
 * later callback, a sub-field of 55 or 127) nor a getter that answers differently later, nor one of its prototype's
 * (never packed), changes the terminal's answer or the verdict on the approvals. A getter that throws throws on every
 * read of the copy (the endpoint answers 96, `reply-invalid`). Text, an `EncodedReply` (not copied: its wire image is
 * what is written when the dialect and header are the endpoint's, else its `message` is packed as it then is), no
 * reply, and what is not a message object to copy (an array, bytes, a revoked Proxy: the endpoint refuses it, a 96)
 * are as they are.
 */
export function replySnapshot(result: SequenceResult): SequenceResult {
  try {
    if (result === null || typeof result !== 'object' || result instanceof EncodedReply) return result;
    return toldCopy(result, false) ?? result;
  } catch {
    // A value that cannot be looked at (a revoked Proxy: `instanceof` throws): handed on as it is, for the endpoint to
    // refuse (a 96, `onLateResult` with `reply-invalid`, which reverses what the book kept), never a throw here that
    // left the sequence failed with its book settled and no verdict at all (sr66c #1).
    return result;
  }
}

/**
 * onError's answer `result` as it was when onError gave it, which its verdict judges and the endpoint writes
 * (on-error-verdict.ts `judgeOnError`): {@link replySnapshot}'s copy, so that neither a field onError sets afterwards
 * nor a getter that answers differently when packed (or a prototype's, never packed) tells the terminal another approval
 * than the one kept (field 38: the told approval's twin reversed, `keptTold`). Throws what a getter throws (onError
 * failing: a 96).
 */
export function answerSnapshot(result: SequenceResult): SequenceResult {
  if (result === null || typeof result !== 'object' || result instanceof EncodedReply) return result;
  return toldCopy(result, true) ?? result;
}
