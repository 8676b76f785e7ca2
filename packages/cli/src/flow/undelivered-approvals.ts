/**
 * A flow's approvals its terminal never got. An inbound endpoint's sequence builds the reply from the answers it gets
 * through `context.connectors`; when that reply never reaches the terminal (the sequence timed out and onError, or the
 * endpoint, answered it; its connection had gone; the reply could not be packed: the endpoint's `onLateResult`), the
 * approvals the sequence got are reversed at the upstream that answered each (a group says which), by the gateway's
 * one handler (late-approval.ts: what is reversible and approved, the reversal built with that upstream's options and
 * stored in its SAF queue, counted in `iso8583_gateway_undelivered_approvals_total` with side `pos`). So are they when
 * the sequence fails in time (throws or rejects before its `sequenceTimeout`: reason `sequence-failed`) and the
 * terminal is answered with something other than an approval: onError's answer whose field 39 does not approve in the
 * endpoint's dialect, no answer from onError, an onError that fails or does not settle within the `sequenceTimeout`
 * (the endpoint answers 96), or no onError (96). onError's answer that approves (built from the bank's answer the
 * failure carried) tells the terminal it was approved: nothing is reversed, as for a reply the sequence returned,
 * unless that reply never reaches the terminal (the endpoint hands onError's undelivered answer to `onLateResult` too).
 * A message whose reply was delivered reverses nothing. A request the connector gave up on after its write (its
 * timeout, the sequence's `signal`) is reversed by the connector itself and never answered to the sequence, so it is
 * never here: one reversal per approval.
 */
import { EncodedReply, isThenable } from '@iso8583/inbound';
import { Iso8583Error, isApproved, readMessage, resolveDialect } from '@iso8583/codec';
import type { Dialect, IsoMessage } from '@iso8583/codec';
import type { Connector, SendOptions } from '@iso8583/connector';
import type { InboundErrorCode, InboundMessage, LateResultHandler, ResolvedInboundOptions, Sequence, SequenceContext, SequenceResult } from '@iso8583/inbound';
import type { ApprovalLoss, UndeliveredApproval } from '../gateway/late-approval.js';

/** What a sequence sent (as it gave it: an object, XML or JSON text, a relayed request) and what the upstream that answered it said. */
interface Answered {
  readonly sent: unknown;
  /** Sent with `relay` (`sent` is an encoded request: its decoded view is `message`). */
  readonly relayed: boolean;
  readonly answer: IsoMessage;
  readonly upstream: Connector;
}

/** The methods of a connector or group whose answers are kept (the others are passed through as they are). */
const SENDS = new Set<PropertyKey>(['request', 'sendMessage', 'relay']);

/** The request a reversal names: the message sent, with the fields its connector filled in (11, 7) as the answer echoes them. */
function originalOf(one: Answered): IsoMessage {
  const { sent, answer } = one;
  const message = one.relayed ? (sent as { message: IsoMessage }).message : typeof sent === 'string' ? (readMessage(sent).message as IsoMessage) : (sent as IsoMessage);
  const filled: IsoMessage = { ...message };
  for (const f of ['11', '7']) if (filled[f] == null && answer[f] != null) filled[f] = answer[f];
  return filled;
}

/** The answers one inbound message's sequence got, until its reply is known to be undelivered. */
class MessageAnswers {
  private readonly answers: Answered[] = [];
  /** Why its reply never reached the terminal, once known: from then on every answer is reversed as it comes. */
  private lost: ApprovalLoss | undefined;

  constructor(private readonly reverse: UndeliveredApproval) {}

  /** An answer came: kept, or reversed at once when the reply is known to be lost (a request the sequence did not await). */
  answered(one: Answered): void {
    if (this.lost === undefined) this.answers.push(one);
    else this.undo(one, this.lost);
  }

  /** The reply never reached the terminal: each approval kept is reversed, once. */
  undelivered(reason: ApprovalLoss): void {
    if (this.lost !== undefined) return;
    this.lost = reason;
    for (const one of this.answers.splice(0)) this.undo(one, reason);
  }

  private undo(one: Answered, reason: ApprovalLoss): void {
    this.reverse(originalOf(one), one.answer, one.upstream, reason, 'pos');
  }
}

/** The send options with `answeredBy` telling `book` too (the caller's own `answeredBy` is still told first). */
function telling(options: SendOptions | undefined, sent: unknown, relayed: boolean, book: MessageAnswers): SendOptions {
  const own = options?.answeredBy;
  return {
    ...options,
    answeredBy: (upstream, answer) => {
      try {
        own?.(upstream, answer);
      } finally {
        book.answered({ sent, relayed, answer, upstream });
      }
    },
  };
}

/** `target` (a connector or a group, as the flow gives it) whose answers `book` keeps. */
function watched(target: object, book: MessageAnswers): object {
  return new Proxy(target, {
    get(t, key) {
      const value: unknown = Reflect.get(t, key, t);
      if (typeof value !== 'function') return value;
      if (!SENDS.has(key)) return (value as (...a: unknown[]) => unknown).bind(t);
      return (sent: unknown, options?: SendOptions): unknown => (value as (s: unknown, o: SendOptions) => unknown).call(t, sent, telling(options, sent, key === 'relay', book));
    },
  });
}

/** The context with its `connectors` watched for `book` (made on first read; every other member the context's own). */
function watchedContext(context: SequenceContext, book: MessageAnswers): SequenceContext {
  let connectors: Record<string, unknown> | undefined;
  const targets = new Map<PropertyKey, object>();
  const watchConnectors = (): Record<string, unknown> =>
    new Proxy(context.connectors, {
      get(t, key) {
        const target: unknown = Reflect.get(t, key);
        if (target === null || typeof target !== 'object') return target;
        let one = targets.get(key);
        if (one === undefined) targets.set(key, (one = watched(target, book)));
        return one;
      },
    });
  return new Proxy(context, {
    get(t, key) {
      if (key === 'connectors') return (connectors ??= watchConnectors());
      const value: unknown = Reflect.get(t, key, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** Field 39 of a reply as a sequence may return it (an object, XML or JSON text, an encoded reply); undefined when it has none. */
function responseCodeOf(result: SequenceResult): unknown {
  if (result instanceof EncodedReply) return result.message['39'];
  if (typeof result === 'string') {
    try {
      return (readMessage(result).message as IsoMessage)['39'];
    } catch {
      return undefined; // Not a message: the endpoint answers 96.
    }
  }
  return result !== null && typeof result === 'object' ? (result as IsoMessage)['39'] : undefined;
}

/**
 * The approvals of one inbound endpoint of a flow that its terminals never got, reversed (see the file's comment):
 * `sequence` wraps the endpoint's sequence so that what it gets through `context.connectors` is kept per message,
 * `onError` wraps its onError so that its answer to a sequence failed in time is judged, and `onLateResult` is the
 * endpoint's option. `bind` gives the endpoint's resolved options before its first message.
 */
export class UndeliveredApprovals {
  private readonly books = new WeakMap<SequenceContext, MessageAnswers>();
  /**
   * The books of messages whose sequence failed in time, until onError takes its own (by message id), each with the
   * timer that takes it out if onError is never called for it (the endpoint calls it at once: see `failed`).
   */
  private readonly failing = new Map<string, { readonly book: MessageAnswers; readonly timer: NodeJS.Timeout }>();
  private hasOnError = false;
  private dialect: Dialect | undefined;
  private timeout = 0;

  /** @param reverse The one handler of approvals a client never got (late-approval.ts `undeliveredApproval`). */
  constructor(private readonly reverse: UndeliveredApproval) {}

  /** The endpoint's options as resolved: its dialect judges onError's answer, its `sequenceTimeout` bounds onError. */
  bind(options: Pick<ResolvedInboundOptions, 'dialect' | 'sequenceTimeout'>): void {
    this.dialect = resolveDialect(options.dialect);
    this.timeout = options.sequenceTimeout;
  }

  /**
   * `sequence` with the answers it gets kept for its message. A sequence that fails after the endpoint gave up on it
   * (its `signal` aborted: the terminal had its timeout answer) has its approvals reversed too (the endpoint hands only
   * a late result, not a late failure, to `onLateResult`); one that fails in time has them reversed unless onError
   * answers with an approval.
   */
  sequence(sequence: Sequence): Sequence {
    return (message: InboundMessage, context: SequenceContext) => {
      const book = new MessageAnswers(this.reverse);
      this.books.set(context, book);
      let out: ReturnType<Sequence>;
      try {
        out = sequence(message, watchedContext(context, book));
      } catch (err) {
        this.failed(context, book);
        throw err;
      }
      // Told before the endpoint's own handlers (attached after this returns): it has not yet run onError.
      if (isThenable(out)) out.then(undefined, () => this.failed(context, book));
      return out;
    };
  }

  /**
   * The sequence failed: after its timeout, its approvals reversed; in time, judged by onError's answer (none: a 96).
   * The endpoint calls onError as soon as it sees the failure, whatever its logger does or the sequence threw; one not
   * called within the `sequenceTimeout` never will be (no endpoint path reaches this today: a safety net, test
   * `flow-on-error-never-called`): the book is taken out and its approvals reversed, so that `failing` keeps no
   * message whose outcome is known.
   */
  private failed(context: SequenceContext, book: MessageAnswers): void {
    if (context.signal?.aborted === true) book.undelivered('sequence-timeout');
    else if (!this.hasOnError) book.undelivered('sequence-failed');
    else {
      const id = context.messageId;
      const timer = setTimeout(() => {
        if (this.failing.get(id)?.book !== book) return;
        this.failing.delete(id);
        book.undelivered('sequence-failed');
      }, this.timeout);
      timer.unref();
      this.failing.set(id, { book, timer });
    }
  }

  /**
   * The endpoint's onError: `onError` as it is, its answer to a message whose sequence failed in time judged. An
   * answer that approves in the endpoint's dialect is the terminal's approval: nothing reversed. Any other answer, a
   * throw, or no settling within the `sequenceTimeout` (this wrapper then fails first, with the endpoint's timeout
   * error, so that the terminal's 96 and the reversal go together) reverses the sequence's approvals.
   */
  onError(onError: Sequence): Sequence {
    this.hasOnError = true;
    return (message: InboundMessage, context: SequenceContext) => {
      const failed = this.failing.get(context.messageId);
      if (failed === undefined) return onError(message, context);
      this.failing.delete(context.messageId);
      clearTimeout(failed.timer);
      const { book } = failed;
      const judge = (result: SequenceResult): SequenceResult => {
        const dialect = this.dialect;
        if (dialect === undefined || !isApproved(dialect, responseCodeOf(result))) book.undelivered('sequence-failed');
        return result;
      };
      let out: ReturnType<Sequence>;
      try {
        out = onError(message, context);
      } catch (err) {
        book.undelivered('sequence-failed');
        throw err;
      }
      if (!isThenable(out)) return judge(out);
      const pending = out;
      return new Promise<SequenceResult>((resolve, reject) => {
        // Made before the endpoint's own onError timer, of the same length: it fires first.
        const timer = setTimeout(() => {
          book.undelivered('sequence-failed');
          const code: InboundErrorCode = 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT';
          reject(new Iso8583Error(code, `MTI ${message.mti}: the onError sequence did not settle within ${this.timeout} ms`, { mti: message.mti }));
        }, this.timeout);
        timer.unref();
        pending.then(
          (result) => {
            clearTimeout(timer);
            resolve(judge(result));
          },
          (err: unknown) => {
            clearTimeout(timer);
            book.undelivered('sequence-failed');
            reject(err);
          },
        );
      });
    };
  }

  /**
   * The endpoint's `onLateResult`: the reply of the message never reached its terminal, the sequence's or onError's
   * (an approval onError built, kept when judged, is reversed now; one not kept was reversed already: once). The
   * endpoint gives the message's own context, the key of its book, whichever built the reply.
   */
  readonly onLateResult: LateResultHandler = (_result, _message, context, reason) => {
    this.books.get(context)?.undelivered(reason);
  };
}
