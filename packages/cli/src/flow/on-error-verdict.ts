/**
 * onError's answer to a message whose sequence failed or timed out, judged for a flow's book (undelivered-approvals.ts):
 * whether it tells the terminal that money moved, and whose approval it is, so that the approval the terminal was told
 * is the one that stands and no other in either book does (one charge): onError's own link's (a backup's: the
 * sequence's approvals are reversed), or the sequence's own relayed (onError's approvals are reversed), or neither (a
 * stand-in approval: the sequence's are kept, as onError's: when both books hold an approval then, as a backup's
 * approval not relayed with its field 38, both stand, two charges: the rule that would leave one is not yet decided,
 * so it is logged, {@link standInAfterApproval}). An approval of the sequence that onError's own told repeats (the same
 * request sent again to the same upstream, the same approval: message-answers.ts `repeatOf`) is that one, kept.
 */
import { Iso8583Error } from '@iso8583/codec';
import type { Codec } from '@iso8583/codec';
import { isThenable } from '@iso8583/inbound';
import type { InboundErrorCode, InboundMessage, Sequence, SequenceContext, SequenceResult } from '@iso8583/inbound';
import { printable } from '../io.js';
import type { MessageAnswers } from './message-answers.js';
import { approvalOf, backedByOwn } from './reply-verdict.js';

/**
 * Whose approval onError's approving answer is (fields 39 and 38 matching a reversible approval of that book,
 * `backedByOwn`): `'own'` onError's own link's (a backup's; taken first when both match), `'sequence'` the failed
 * sequence's relayed, `'neither'` (a stand-in approval).
 */
export type ApprovalOwner = 'own' | 'sequence' | 'neither';

/**
 * `ISO8583_WARN_FLOW_STAND_IN_AFTER_APPROVAL` when onError's answer approves (`approves`) and is neither book's
 * approval (`owner` `'neither'`: a stand-in approval) while both the sequence's `book` and onError's `own` hold an
 * approval of a purchase or an authorisation (its backup link asked, that approval not relayed with its fields 39 and
 * 38; not onError's repeat of the sequence's approval, `approvingLinks`): both stand, two charges (docs/flows.md: the
 * rule that would leave one is not yet decided). Names the message's
 * MTI, STAN and terminal (fields 11 and 41) and the links that approved; no card data. `undefined` otherwise.
 */
export function standInAfterApproval(message: InboundMessage, approves: boolean, owner: ApprovalOwner, book: MessageAnswers, own: MessageAnswers | undefined): string | undefined {
  if (!approves || owner !== 'neither' || own === undefined) return undefined;
  const links = [book.approvingLinks(), own.approvingLinks(book)];
  if (links[0]?.length === 0 || links[1]?.length === 0) return undefined;
  const text = (v: unknown): string => printable(typeof v === 'string' || typeof v === 'number' ? String(v) : 'none');
  const [sequence, backup] = links.map((names) => names.map(printable).join(', '));
  return `ISO8583_WARN_FLOW_STAND_IN_AFTER_APPROVAL: onError answered MTI ${text(message.mti)} STAN ${text(message.fields['11'])} ` +
    `terminal ${text(message.fields['41'])} with an approval of its own (a stand-in) after its link ${String(backup)} approved it too: ` +
    `both that approval and the sequence's (${String(sequence)}) stand, two charges; relay the link's fields 39 and 38 instead`;
}

/** What {@link judgeOnError} judges by: the endpoint's codec and `sequenceTimeout`, the sequence's book and onError's. */
export interface OnErrorJudge {
  readonly codec: Codec | undefined;
  readonly timeout: number;
  readonly book: MessageAnswers;
  readonly own: MessageAnswers | undefined;
}

/**
 * Runs `onError` and tells `verdict`, once, whether its answer approves (`approvalOf`: in the endpoint's dialect, or
 * relaying an approval the sequence's book holds, or onError's own), and whose approval it is ({@link ApprovalOwner};
 * `'neither'` when it does not approve): false for a throw, a rejection, or no settling within the `sequenceTimeout`
 * (then this fails first, with the timeout error: the endpoint's own timer of the same length is made after this one).
 */
export function judgeOnError(
  onError: Sequence,
  message: InboundMessage,
  judge: OnErrorJudge,
  context: SequenceContext,
  verdict: (approves: boolean, owner: ApprovalOwner) => void,
): ReturnType<Sequence> {
  const { codec, timeout, book, own } = judge;
  let told = false;
  const tell = (approves: boolean, result?: SequenceResult): void => {
    if (told) return;
    told = true;
    const owner: ApprovalOwner = !approves ? 'neither' : backedByOwn(codec, result, own) ? 'own' : backedByOwn(codec, result, book) ? 'sequence' : 'neither';
    verdict(approves, owner);
  };
  // The book's question: did this answer tell the terminal that money moved? An answer that cannot be looked at does
  // not approve (the endpoint cannot pack it either: a 96).
  const approves = (result: SequenceResult): boolean => approvalOf(codec, message.mti, result, [book, own]) === true;
  let out: ReturnType<Sequence>;
  try {
    out = onError(message, context);
  } catch (err) {
    tell(false);
    throw err;
  }
  let thenable: boolean;
  try {
    thenable = isThenable(out);
  } catch (err) {
    // A value that cannot be looked at (a revoked Proxy): the endpoint answers it as onError failing, a 96.
    tell(false);
    throw err;
  }
  if (!thenable) {
    tell(approves(out as SequenceResult), out as SequenceResult);
    return out;
  }
  const pending = out as PromiseLike<SequenceResult>;
  return new Promise<SequenceResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      tell(false);
      const code: InboundErrorCode = 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT';
      reject(new Iso8583Error(code, `MTI ${message.mti}: the onError sequence did not settle within ${timeout} ms`, { mti: message.mti }));
    }, timeout);
    timer.unref();
    pending.then(
      (result) => {
        clearTimeout(timer);
        tell(approves(result), result);
        resolve(result);
      },
      (err: unknown) => {
        clearTimeout(timer);
        tell(false);
        reject(err);
      },
    );
  });
}
