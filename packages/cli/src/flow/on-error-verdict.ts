/**
 * onError's answer to a message whose sequence failed or timed out, judged for a flow's book (undelivered-approvals.ts):
 * whether it tells the terminal that money moved, and whose approval it is, so that the approval the terminal was told
 * is the one that stands and no other in either book does (one charge): onError's own link's (a backup's: the
 * sequence's approvals are reversed, and onError's others: `ownUndone`), or the sequence's own relayed (onError's
 * approvals are reversed), or neither (a
 * stand-in approval: the sequence's are kept, as onError's: when both books hold an approval then, as a backup's
 * approval not relayed with its field 38, both stand, two charges: the rule that would leave one is not yet decided,
 * so it is logged, {@link standInAfterApproval}). An approval of the sequence that onError's own told repeats (the same
 * request sent again to the same upstream, the same approval: message-answers.ts `repeatOf`) is that one, kept.
 */
import { performance } from 'node:perf_hooks';
import { Iso8583Error, summarize } from '@iso8583/codec';
import type { Codec, MessageInput } from '@iso8583/codec';
import { isThenable } from '@iso8583/inbound';
import type { InboundErrorCode, InboundMessage, Sequence, SequenceContext, SequenceResult } from '@iso8583/inbound';
import { printable } from '../io.js';
import { storedOrDeadline } from './decline-wait.js';
import type { MessageAnswers } from './message-answers.js';
import { answerSnapshot, approvalOf, backedByOwn } from './reply-verdict.js';

/**
 * Whose approval onError's approving answer is (fields 39 and 38 matching a reversible approval of that book,
 * `backedByOwn`): `'own'` onError's own link's (a backup's; taken first when both match), `'sequence'` the failed
 * sequence's relayed, `'neither'` (a stand-in approval).
 */
export type ApprovalOwner = 'own' | 'sequence' | 'neither';

/**
 * A value of a warn line (a number as its digits; `none` when neither text nor number), printable, as `summarize`
 * shows fields 11 and 41 (masked when longer than ISO 8583 allows: a PAN given as field 41), as decline-wait.ts logs.
 */
function shown(field: '11' | '41', value: unknown): string {
  const text = typeof value === 'number' ? String(value) : value;
  const summary = typeof text === 'string' ? summarize({ [field]: text } as MessageInput) : {};
  return printable((field === '11' ? summary.stan : summary.terminal) ?? 'none');
}

/**
 * `ISO8583_WARN_FLOW_STAND_IN_AFTER_APPROVAL` when onError's answer approves (`approves`) and is neither book's
 * approval (`owner` `'neither'`: a stand-in approval) while both the sequence's `book` and onError's `own` hold an
 * approval of a purchase or an authorisation (its backup link asked, that approval not relayed with its fields 39 and
 * 38; not onError's repeat of the sequence's approval, `approvingLinks`): both stand, two charges (docs/flows.md: the
 * rule that would leave one is not yet decided). Names the message's
 * MTI, STAN and terminal (fields 11 and 41, as `summarize` shows them: a PAN given as field 41 masked) and the links
 * that approved; no card data. `undefined` otherwise.
 */
export function standInAfterApproval(message: InboundMessage, approves: boolean, owner: ApprovalOwner, book: MessageAnswers, own: MessageAnswers | undefined): string | undefined {
  if (!approves || owner !== 'neither' || own === undefined) return undefined;
  const links = [book.approvingLinks(), own.approvingLinks(book)];
  if (links[0]?.length === 0 || links[1]?.length === 0) return undefined;
  const [sequence, backup] = links.map((names) => names.map(printable).join(', '));
  return `ISO8583_WARN_FLOW_STAND_IN_AFTER_APPROVAL: onError answered MTI ${printable(message.mti)} STAN ${shown('11', message.fields['11'])} ` +
    `terminal ${shown('41', message.fields['41'])} with an approval of its own (a stand-in) after its link ${String(backup)} approved it too: ` +
    `both that approval and the sequence's (${String(sequence)}) stand, two charges; relay the link's fields 39 and 38 instead`;
}

/**
 * `ISO8583_WARN_FLOW_APPROVAL_AMBIGUOUS` when onError's answer relays an approval (`owner` `'own'` or `'sequence'`)
 * whose fields 39 and 38 several approvals of that book share, and its other fields (37, 11, 4, 7) do not tell them
 * apart (`MessageAnswers.toldAmbiguously`): each counts as the one the terminal was told, none is reversed for it (a
 * guess could reverse the approval the terminal has). Names the message's MTI, STAN and terminal, and each such
 * approval's link and STAN, as `summarize` shows them (masked: a PAN given as field 41); no card data. `undefined` otherwise.
 */
export function approvalToldAmbiguously(message: InboundMessage, owner: ApprovalOwner, book: MessageAnswers, own: MessageAnswers | undefined): string | undefined {
  const told = owner === 'own' ? own?.toldAmbiguously() : owner === 'sequence' ? book.toldAmbiguously() : undefined;
  if (told === undefined || told.length === 0) return undefined;
  const which = told.map((one) => `${printable(one.upstream)} STAN ${shown('11', one.stan)}`).join(', ');
  return `ISO8583_WARN_FLOW_APPROVAL_AMBIGUOUS: onError answered MTI ${printable(message.mti)} STAN ${shown('11', message.fields['11'])} ` +
    `terminal ${shown('41', message.fields['41'])} with fields 39 and 38 that ${told.length} approvals of ${owner === 'own' ? 'onError' : 'the sequence'} share ` +
    `(${which}), its other fields (37, 11, 4, 7) telling none apart: none of them is reversed; relay the bank's field 37 too`;
}

/**
 * Logs {@link standInAfterApproval}'s and {@link approvalToldAmbiguously}'s warnings on `logger` (none: not logged),
 * when onError's verdict calls for them (`own`: onError's book, if any); a logger that throws loses its line.
 */
export function warnVerdict(
  logger: { warn(line: string): void } | undefined,
  message: InboundMessage,
  approves: boolean,
  owner: ApprovalOwner,
  book: MessageAnswers,
  own: MessageAnswers | undefined,
): void {
  for (const line of [standInAfterApproval(message, approves, owner, book, own), approvalToldAmbiguously(message, owner, book, own)]) {
    try {
      if (line !== undefined) logger?.warn(line);
    } catch {
      // The verdict's reversals are not the log's.
    }
  }
}

/**
 * The approvals of onError's book `own` that its verdict undoes (`reason`), onError's book first, while the sequence's
 * `book` still holds its own (a repeat of one is reversed once, by it): every one when the answer does not approve;
 * those of a reversible request when it relays the sequence's approval (`owner` `'sequence'`: an approved advice is no
 * charge); every one but the approval it relays when it relays its own (`'own'`: `MessageAnswers.keptTold`, a second
 * backup's approval, untold, is no second charge); none for a stand-in approval (`'neither'`). Returns what settles
 * once the reversals it started are stored (none: `undefined`).
 */
export function ownUndone(
  own: MessageAnswers | undefined,
  approves: boolean,
  owner: ApprovalOwner,
  reason: 'sequence-failed' | 'sequence-timeout',
  book: MessageAnswers,
): Promise<void> | undefined {
  if (!approves || owner === 'sequence') return own?.undelivered(reason, approves, book);
  return owner === 'own' ? own?.keptTold(reason, book) : undefined;
}

/** What settles once the reversals onError's verdict started are stored, by the sequence's book (`judgeOnError`). */
const verdicts = new WeakMap<MessageAnswers, Promise<void>>();

/**
 * The store of the reversals onError's verdict on the message of `book` started (`undefined`: none, or no verdict
 * yet): the endpoint's 96 waits for it too when the verdict came just before it (onError hanging: its timer told it
 * no), as for the reversals the 96 itself starts (undelivered-approvals.ts `watchedOnError`; sr65g).
 */
export function verdictStored(book: MessageAnswers): Promise<void> | undefined {
  return verdicts.get(book);
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
 * `verdict` returns what settles once the reversals it started are stored (none: `undefined`): onError's answer (its
 * result, its throw or rejection: a 96) is handed to the endpoint only then, so that the terminal is never told while
 * a reversal the verdict started is not yet stored (a crash would leave that approval standing), but no later than
 * the deadline allows (decline-wait.ts `storedOrDeadline`: then logged `ISO8583_WARN_FLOW_DECLINE_UNSTORED`). At the
 * timer's own timeout the endpoint's 96 waits for them through the abort's hold (`verdictStored`, bounded). The answer judged is the one handed over: a snapshot (`answerSnapshot`), so that
 * what onError does with its object afterwards (a field 38 set later, a getter) cannot tell the terminal another
 * approval than the one kept.
 */
export function judgeOnError(
  onError: Sequence,
  message: InboundMessage,
  judge: OnErrorJudge,
  context: SequenceContext,
  verdict: (approves: boolean, owner: ApprovalOwner) => Promise<void> | undefined,
): ReturnType<Sequence> {
  const { codec, timeout, book, own } = judge;
  const started = performance.now();
  let told = false;
  // `what`: the answer that waits, as ISO8583_WARN_FLOW_DECLINE_UNSTORED names it; `null` when none waits here (the
  // timer's: onError's answer never goes; the endpoint's 96 holds for the verdict's reversals through the abort, whose
  // line, `96 after onError`, is the message's one).
  const tell = (approves: boolean, result?: SequenceResult, what: string | null = 'onError\'s answer'): Promise<void> | undefined => {
    if (told) return undefined;
    told = true;
    const owner: ApprovalOwner = !approves ? 'neither' : backedByOwn(codec, result, own) ? 'own' : backedByOwn(codec, result, book) ? 'sequence' : 'neither';
    const stored = verdict(approves, owner);
    if (stored !== undefined) verdicts.set(book, stored);
    return stored === undefined || what === null ? stored : storedOrDeadline(stored, started, timeout, message, context, what);
  };
  // The book's question: did this answer tell the terminal that money moved? An answer that cannot be looked at does
  // not approve (the endpoint cannot pack it either: a 96).
  const approves = (result: SequenceResult): boolean => approvalOf(codec, message.mti, result, [book, own]) === true;
  // A failure handed over once the reversals it caused are stored (`tell`).
  const failing = (err: unknown): Promise<never> | undefined => tell(false)?.then(() => Promise.reject(err as Error));
  let out: ReturnType<Sequence>;
  try {
    out = onError(message, context);
  } catch (err) {
    const later = failing(err);
    if (later !== undefined) return later;
    throw err;
  }
  let thenable: boolean;
  // A sync answer, judged and handed over as one snapshot (`answerSnapshot`): the approval kept is the one told.
  let result: SequenceResult;
  try {
    thenable = isThenable(out);
    result = thenable ? undefined : answerSnapshot(out as SequenceResult);
  } catch (err) {
    // A value that cannot be looked at (a revoked Proxy, a getter that throws): the endpoint answers it as onError
    // failing, a 96.
    const later = failing(err);
    if (later !== undefined) return later;
    throw err;
  }
  if (!thenable) {
    const stored = tell(approves(result), result);
    return stored === undefined ? result : stored.then(() => result);
  }
  const pending = out as PromiseLike<SequenceResult>;
  return new Promise<SequenceResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      void tell(false, undefined, null);
      const code: InboundErrorCode = 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT';
      reject(new Iso8583Error(code, `MTI ${message.mti}: the onError sequence did not settle within ${timeout} ms`, { mti: message.mti }));
    }, timeout);
    timer.unref();
    // onError failing: its 96 handed over once the reversals that causes are stored.
    const fail = (err: unknown): void => {
      const stored = tell(false);
      if (stored === undefined) reject(err);
      else void stored.then(() => reject(err));
    };
    pending.then(
      (answer) => {
        clearTimeout(timer);
        let result: SequenceResult;
        try {
          result = answerSnapshot(answer);
        } catch (err) {
          // A getter that throws: onError failing, a 96.
          return fail(err);
        }
        const stored = tell(approves(result), result);
        if (stored === undefined) resolve(result);
        else void stored.then(() => resolve(result));
      },
      (err: unknown) => {
        clearTimeout(timer);
        fail(err);
      },
    );
  });
}
