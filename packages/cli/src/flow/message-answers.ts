/**
 * The book of one inbound message of a flow: the answers its sequence got through `context.connectors`, each with the
 * upstream that gave it, kept unless the message's reply is known to be lost (then each approval is reversed, once, by
 * the gateway's handler, and every later one as it comes). When the sequence times out, the terminal's answer is
 * onError's: the book then waits for onError's verdict (see undelivered-approvals.ts) before it decides what the
 * sequence's late outcome means: an approval delivered keeps every approval (before and after the timeout), anything
 * else reverses them (reason `sequence-timeout`). Each approval has one outcome: kept, or reversed once.
 */
import { readMessage } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';
import type { ApprovalLoss, UndeliveredApproval } from '../gateway/late-approval.js';

/** What a sequence sent (as it gave it: an object, XML or JSON text, a relayed request) and what the upstream that answered it said. */
export interface Answered {
  readonly sent: unknown;
  /** Sent with `relay` (`sent` is an encoded request: its decoded view is `message`). */
  readonly relayed: boolean;
  readonly answer: IsoMessage;
  readonly upstream: Connector;
}

/**
 * What the terminal was told when the sequence timed out: `none` (no onError judged: the endpoint's own 96, or no
 * timeout), `pending` (onError runs), `approved` (onError's answer approves: kept unless it proves undelivered),
 * `other` (it does not approve, threw, or did not settle in time).
 */
type TimeoutAnswer = 'none' | 'pending' | 'approved' | 'other';

/** The request a reversal names: the message sent, with the fields its connector filled in (11, 7) as the answer echoes them. */
function originalOf(one: Answered): IsoMessage {
  const { sent, answer } = one;
  const message = one.relayed ? (sent as { message: IsoMessage }).message : typeof sent === 'string' ? (readMessage(sent).message as IsoMessage) : (sent as IsoMessage);
  const filled: IsoMessage = { ...message };
  for (const f of ['11', '7']) if (filled[f] == null && answer[f] != null) filled[f] = answer[f];
  return filled;
}

/** The answers one inbound message's sequence got, until its reply is known to be undelivered. */
export class MessageAnswers {
  private readonly answers: Answered[] = [];
  /** Why its reply never reached the terminal, once known: from then on every answer is reversed as it comes. */
  private lost: ApprovalLoss | undefined;
  private timeoutAnswer: TimeoutAnswer = 'none';
  /** The sequence settled after its timeout while onError's answer was still `pending`: decided by its verdict. */
  private lateWhilePending = false;

  /** @param reverse The one handler of approvals a client never got (late-approval.ts `undeliveredApproval`). */
  constructor(private readonly reverse: UndeliveredApproval) {}

  /** An answer came: kept, or reversed at once when the reply is known to be lost (a request the sequence did not await). */
  answered(one: Answered): void {
    if (this.lost === undefined) this.answers.push(one);
    else this.undo(one, this.lost);
  }

  /** The reply never reached the terminal: each approval kept is reversed, once; every later one as it comes. */
  undelivered(reason: ApprovalLoss): void {
    if (this.lost !== undefined) return;
    this.lost = reason;
    for (const one of this.answers.splice(0)) this.undo(one, reason);
  }

  /** The sequence timed out and onError was called to answer the terminal: its verdict is awaited (`judged`). */
  timedOut(): void {
    if (this.timeoutAnswer === 'none') this.timeoutAnswer = 'pending';
  }

  /**
   * onError's timeout answer, judged once: `approves` when it approves in the endpoint's dialect. A late outcome of
   * the sequence that came while it was pending is decided now: kept when it approves, else reversed.
   */
  judged(approves: boolean): void {
    if (this.timeoutAnswer !== 'pending') return;
    this.timeoutAnswer = approves ? 'approved' : 'other';
    if (!approves && this.lateWhilePending) this.undelivered('sequence-timeout');
  }

  /**
   * The sequence settled (a result or a failure) after its timeout: its reply never reaches the terminal. Its
   * approvals are kept when onError's timeout answer approved (the terminal was told approved: reversed only if that
   * answer proves undelivered, `undelivered`), decided when onError's verdict comes if it is pending, else reversed.
   */
  late(): void {
    if (this.timeoutAnswer === 'approved') return;
    if (this.timeoutAnswer === 'pending') this.lateWhilePending = true;
    else this.undelivered('sequence-timeout');
  }

  private undo(one: Answered, reason: ApprovalLoss): void {
    this.reverse(originalOf(one), one.answer, one.upstream, reason, 'pos');
  }
}
