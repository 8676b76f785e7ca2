/**
 * A flow's approvals its terminal never got. An inbound endpoint's sequence builds the reply from the answers it gets
 * through `context.connectors`; when that reply never reaches the terminal (the sequence timed out and onError, or the
 * endpoint, answered it; its connection had gone; the reply could not be packed: the endpoint's `onLateResult`), the
 * approvals the sequence got are reversed at the upstream that answered each (a group says which), by the gateway's
 * one handler (late-approval.ts: what is reversible and approved, the reversal built with that upstream's options and
 * stored in its SAF queue, counted in `iso8583_gateway_undelivered_approvals_total` with side `pos`). A message whose
 * reply was delivered reverses nothing. A request the connector gave up on after its write (its timeout, the
 * sequence's `signal`) is reversed by the connector itself and never answered to the sequence, so it is never here:
 * one reversal per approval.
 */
import { readMessage } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector, SendOptions } from '@iso8583/connector';
import type { InboundMessage, LateResultHandler, Sequence, SequenceContext, SequenceResult, UndeliveredReason } from '@iso8583/inbound';
import type { UndeliveredApproval } from '../gateway/late-approval.js';

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
  private lost: UndeliveredReason | undefined;

  constructor(private readonly reverse: UndeliveredApproval) {}

  /** An answer came: kept, or reversed at once when the reply is known to be lost (a request the sequence did not await). */
  answered(one: Answered): void {
    if (this.lost === undefined) this.answers.push(one);
    else this.undo(one, this.lost);
  }

  /** The reply never reached the terminal: each approval kept is reversed, once. */
  undelivered(reason: UndeliveredReason): void {
    if (this.lost !== undefined) return;
    this.lost = reason;
    for (const one of this.answers.splice(0)) this.undo(one, reason);
  }

  private undo(one: Answered, reason: UndeliveredReason): void {
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

/**
 * The approvals of one inbound endpoint of a flow that its terminals never got, reversed (see the file's comment):
 * `sequence` wraps the endpoint's sequence so that what it gets through `context.connectors` is kept per message, and
 * `onLateResult` is the endpoint's option.
 */
export class UndeliveredApprovals {
  private readonly books = new WeakMap<SequenceContext, MessageAnswers>();

  /** @param reverse The one handler of approvals a client never got (late-approval.ts `undeliveredApproval`). */
  constructor(private readonly reverse: UndeliveredApproval) {}

  /**
   * `sequence` with the answers it gets kept for its message. A sequence that fails after the endpoint gave up on it
   * (its `signal` aborted: the terminal had its timeout answer) has its approvals reversed too: the endpoint hands only
   * a late result, not a late failure, to `onLateResult`.
   */
  sequence(sequence: Sequence): Sequence {
    return (message: InboundMessage, context: SequenceContext) => {
      const book = new MessageAnswers(this.reverse);
      this.books.set(context, book);
      const out = sequence(message, watchedContext(context, book));
      if (out instanceof Promise) {
        out.then(undefined, () => {
          if (context.signal?.aborted === true) book.undelivered('sequence-timeout');
        });
      }
      return out;
    };
  }

  /** The endpoint's `onLateResult`: the reply of the message never reached its terminal. */
  readonly onLateResult: LateResultHandler = (_result: SequenceResult, _message: InboundMessage, context: SequenceContext, reason: UndeliveredReason) => {
    this.books.get(context)?.undelivered(reason);
  };
}

