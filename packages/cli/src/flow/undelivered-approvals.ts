/**
 * A flow's approvals its terminal never got. An inbound endpoint's sequence builds the reply from the answers it gets
 * through `context.connectors` (watched: watched-connectors.ts; kept per message: message-answers.ts); when that reply
 * never reaches the terminal (its connection had gone; the reply could not be packed: the endpoint's `onLateResult`),
 * the approvals the sequence got are reversed at the upstream that answered each (a group says which), by the gateway's
 * one handler (the connector's undelivered-approval.ts: what is reversible and approved, the reversal built with that upstream's options and
 * stored in its SAF queue, counted in `iso8583_gateway_undelivered_approvals_total` with side `pos`). What the terminal
 * was told instead decides the rest, judged the same way whether the sequence failed in time (throws or rejects before
 * its `sequenceTimeout`) or timed out (the endpoint aborts `context.signal` and calls onError with its timeout error):
 * onError's answer whose field 39 approves in the endpoint's dialect or is of the standard's approval class (a partial
 * approval `10` or `002`...: `isApprovalClass`, as the bank's answers are judged; a stand-in approval, or one built from
 * the bank's answer the failure carried; not one onError got through its own `context.connectors`, a backup link's:
 * then the sequence's are reversed, `backedByOwn`) tells the terminal it was approved, so the sequence's approvals are kept,
 * those that come after a timeout too (its late result or late failure), as for a reply the sequence returned, unless
 * that answer never reaches the terminal (the endpoint hands onError's undelivered answer to `onLateResult` too: reversed then,
 * `client-gone` or `reply-invalid`). Anything else reverses them: onError's answer that does not approve, no answer
 * from onError, an onError that fails or does not settle within the `sequenceTimeout` (the endpoint answers 96), or no
 * onError (96); at once for a failure in time (reason `sequence-failed`), for a timeout as soon as the terminal's
 * answer is known (reason `sequence-timeout`: onError's verdict, or the abort without onError), even if the sequence
 * never settles, and any approval it gets later as it comes. A sequence that settles in time is judged by its reply
 * alike, for a request that expects one: no reply (`undefined`, `null`: reason `no-reply`), or a reply that does not
 * approve (a decline after the bank approved, the request echoed back without an approving field 39: reason
 * `reply-declined`), reverses them: the terminal was not told approved. A message whose approving reply was delivered
 * reverses nothing. A request the connector gave up on after its write (its timeout, the sequence's `signal`) is
 * reversed by the connector itself and never answered to the sequence, so it is never here: one reversal per approval. The sequence's result is
 * read once: a promise-like is adopted as one native promise (`adopted`), which the book reads first and the endpoint
 * through it, so that the terminal's answer and the fate of the approvals follow the same settlement (a reply that
 * does not approve reaches the endpoint once the reversals it causes are stored, or just before the sequence's
 * deadline: decline-wait.ts). What onError itself gets through `context.connectors` (a backup link) is kept in a book
 * of its own: kept when its answer reaches the terminal (not when that answer relays the sequence's own approval: one
 * charge, on-error-verdict.ts), reversed when onError fails or does not settle in time (the
 * terminal gets a 96), when its answer never reaches the terminal, or when the endpoint closes under it.
 */
import { performance } from 'node:perf_hooks';
import { closedByEndpoint, giveUpHold, holdGiveUp, isThenable } from '@iso8583/inbound';
import { createCodec, responseMti } from '@iso8583/codec';
import type { Codec } from '@iso8583/codec';
import type { InboundMessage, LateResultHandler, ResolvedInboundOptions, Sequence, SequenceContext, SequenceResult } from '@iso8583/inbound';
import type { UndeliveredApproval } from '@iso8583/connector';
import { allStored, storedOrDeadline, storedWithin } from './decline-wait.js';
import { MessageAnswers } from './message-answers.js';
import { approvalOf, replySnapshot } from './reply-verdict.js';
import { judgeOnError, ownUndone, verdictStored, warnVerdict } from './on-error-verdict.js';
import type { OnErrorJudge } from './on-error-verdict.js';
import { adopted, timedOut } from './one-settlement.js';
import { watchedContext } from './watched-connectors.js';

/**
 * The approvals of one inbound endpoint of a flow that its terminals never got, reversed (see the file's comment):
 * `sequence` wraps the endpoint's sequence so that what it gets through `context.connectors` is kept per message,
 * `onError` wraps its onError so that its answer to a sequence that failed or timed out is judged, and `onLateResult`
 * is the endpoint's option. `bind` gives the endpoint's resolved options before its first message.
 */
export class UndeliveredApprovals {
  private readonly books = new WeakMap<SequenceContext, MessageAnswers>();
  /**
   * The books of messages whose sequence failed in time, until onError takes its own (by message id), each with the
   * timer that takes it out if onError is never called for it (the endpoint calls it at once: see `failed`).
   */
  private readonly failing = new Map<string, { readonly book: MessageAnswers; readonly timer: NodeJS.Timeout }>();
  /**
   * The books of messages whose sequence is awaited, by message id: until it settles, or it times out (its timeout's
   * onError takes the book, or, without onError, the signal's abort reverses it), so that no entry outlives either.
   * What is left here when the endpoint has closed never reached its terminal (`abandon`).
   */
  private readonly running = new Map<string, MessageAnswers>();
  /** The books whose onError's answer is awaited (a failure in time, or a timeout): until its verdict (`judging`). */
  private readonly deciding = new Set<MessageAnswers>();
  /** Each awaited sequence's own abort, which `abandon` aborts: the sequence's `context.signal` follows it too. */
  private readonly stops = new WeakMap<MessageAnswers, AbortController>();
  /**
   * The book of what onError itself got through `context.connectors` (a backup link), by the sequence's book: kept
   * when onError's answer reaches the terminal; reversed when onError fails or does not settle in time (the terminal
   * gets a 96), when its answer never reaches the terminal (`onLateResult`, source onError), or on `abandon`.
   */
  private readonly onErrorBooks = new WeakMap<MessageAnswers, MessageAnswers>();
  private hasOnError = false;
  /** The codec replies are judged with: the endpoint's dialect and `lenient`, made once by `bind`. */
  private codec: Codec | undefined;
  private timeout = 0;

  /**
   * @param reverse The one handler of approvals a client never got (the connector's `undeliveredApproval`).
   * @param logger Where `ISO8583_WARN_FLOW_STAND_IN_AFTER_APPROVAL` and `ISO8583_WARN_FLOW_APPROVAL_AMBIGUOUS` go
   *   (on-error-verdict.ts). Default: not logged.
   */
  constructor(
    private readonly reverse: UndeliveredApproval,
    private readonly logger?: { warn(line: string): void },
  ) {}

  /**
   * The endpoint's options as resolved: its dialect and `lenient` (default false) make the one codec that judges the
   * replies and onError's answers as the endpoint packs them, its `sequenceTimeout` bounds onError.
   */
  bind(options: Pick<ResolvedInboundOptions, 'dialect' | 'sequenceTimeout'> & { readonly lenient?: boolean }): void {
    this.codec = createCodec(options.dialect, { lenient: options.lenient === true });
    this.timeout = options.sequenceTimeout;
  }

  /**
   * `sequence` with the answers it gets kept for its message. A sequence that settles after the endpoint gave up on it
   * (its `signal` aborted: the terminal had onError's timeout answer, or a 96) has its approvals judged by that answer
   * (the endpoint hands only a late result, not a late failure, to `onLateResult`); one that fails in time has them
   * reversed unless onError answers with an approval.
   */
  sequence(sequence: Sequence): Sequence {
    return (message: InboundMessage, context: SequenceContext) => {
      const started = performance.now();
      // A reply that does not approve waits for the reversals it causes, within the sequence's deadline (decline-wait.ts).
      const after = (stored: Promise<void>): Promise<void> => storedOrDeadline(stored, started, this.timeout, message, context);
      const book = new MessageAnswers(this.reverse);
      this.books.set(context, book);
      const stop = new AbortController();
      this.stops.set(book, stop);
      let out: ReturnType<Sequence>;
      let thenable: boolean;
      try {
        out = sequence(message, watchedContext(context, book, stop.signal));
        // A `then` getter that throws (or a revoked Proxy): the endpoint answers it as the sequence failing.
        thenable = isThenable(out);
      } catch (err) {
        void this.failed(context, book); // Thrown as called: no answer yet (each comes later), nothing to wait for.
        throw err;
      }
      if (!thenable) {
        // Judged and written as returned (reply-verdict.ts); a decline once the reversals it causes are stored (a sync
        // sequence's come later).
        return this.inTime(message, out as SequenceResult, book, after);
      }
      const id = context.messageId;
      this.running.set(id, book);
      // No onError: the endpoint answers a timeout with its own 96, so the approvals go as the signal is aborted (the
      // controller is made by this read: only for a sequence that is awaited, in a flow without onError).
      if (!this.hasOnError) {
        context.signal?.addEventListener('abort', () => {
          // The endpoint's close gave up on it: no timeout answer reached the terminal; `abandon` reverses (client-gone).
          if (closedByEndpoint(context.signal)) return;
          if (this.running.get(id) === book) this.running.delete(id);
          book.expired();
        }, { once: true });
      }
      // True when the sequence settled in time (its result is the terminal's reply): not yet taken out by its timeout.
      const settled = (): boolean => {
        if (this.running.get(id) !== book) return false;
        this.running.delete(id);
        return true;
      };
      // One settlement for the book and the endpoint alike (a promise-like's `then` may answer each call differently).
      const one = adopted(out as PromiseLike<SequenceResult>);
      // Told before the endpoint's own handlers (it reads what this returns): it has not yet run onError. A result
      // after the timeout is the endpoint's late result (`onLateResult`), judged by the terminal's timeout answer. A
      // reply in time that declines is handed over once the reversals it causes are stored (`replied`).
      return one.then((result) => {
        if (!settled()) return result;
        const reply = this.inTime(message, result, book, after);
        if (!(reply instanceof Promise)) return reply;
        // A decline waiting for the reversals it causes: its book stays reachable until it is handed over, so that a
        // timeout meanwhile (an event-loop stall past the deadline) has onError's answer, and its sends, judged.
        this.running.set(id, book);
        return reply.finally(() => settled());
      }, (err: unknown) => {
        settled();
        // Without onError the endpoint's 96 goes once the reversals the failure causes are stored (`after`), as a
        // decline does: a crash right after the 96 must not leave them unstored.
        const stored = this.failed(context, book);
        if (stored === undefined) throw err;
        return after(stored).then(() => Promise.reject(err as Error));
      });
    };
  }

  /**
   * The reply in time as the endpoint writes it. To a request that expects a response (codec's `responseMti`, asked
   * once; an advice's or a reversal's answer is handed over as it is, not judged) it is a snapshot (`replySnapshot`)
   * judged by the book (`replied`), handed over once the reversals it causes are stored or just before the deadline
   * (`after`: decline-wait.ts), at once when it causes none.
   */
  private inTime(
    message: InboundMessage,
    result: SequenceResult,
    book: MessageAnswers,
    after: (stored: Promise<void>) => Promise<void>,
  ): SequenceResult | Promise<SequenceResult> {
    if (responseMti(message.mti) === undefined) return result;
    const reply = replySnapshot(result);
    const stored = this.replied(message, reply, book);
    return stored === undefined ? reply : after(stored).then(() => reply);
  }

  /**
   * The sequence's result in time, as the endpoint sends it, to a request that expects a response (`inTime`): the
   * approvals the sequence got are kept only when
   * that reply tells the terminal it was approved: its field 39 as packed (whatever its MTI) is that of an approval the
   * book holds, judged in the dialect of the upstream that gave it (`relays`: a bank's own approval code relayed), or
   * approves in the endpoint's dialect (`isApprovalClass`). The reply is judged only when the book holds an approval, now
   * or when one comes (`MessageAnswers.replied`: a text reply is read only then). No reply (`undefined`, `null`: reason
   * `no-reply`) or one that does not approve (a decline after the bank approved, a reply without an approving field 39
   * such as the request echoed back: reason `reply-declined`) reverses them, and every later one as it comes, as for a
   * reply lost. A reply that cannot be looked at is the endpoint's (a 96, then `onLateResult` with `reply-invalid`).
   * Returns what the endpoint waits for before it writes the reply: the reversals stored (none to wait for: `undefined`).
   */
  private replied(message: InboundMessage, result: SequenceResult, book: MessageAnswers): Promise<void> | undefined {
    if (result === undefined || result === null) return book.undelivered('no-reply');
    return book.replied(() => approvalOf(this.codec, message.mti, result, [book]) !== false);
  }

  /**
   * The sequence failed: after its timeout, judged by the terminal's timeout answer (`late`); by the close giving up
   * on it (its connection closing; the endpoint starts no onError), reversed as `client-gone`; in time, judged by
   * onError's answer (none: a 96). The endpoint calls onError as soon as it sees the failure, whatever its logger does
   * or the sequence threw; one not called within the `sequenceTimeout` never will be (no endpoint path reaches this
   * today: a safety net, test `flow-on-error-never-called`): the book is taken out and its approvals reversed, so that
   * `failing` keeps no message whose outcome is known. Returns what settles once the reversals of a failure in time
   * without onError are stored (the endpoint's 96 waits for it); `undefined` otherwise.
   */
  private failed(context: SequenceContext, book: MessageAnswers): Promise<void> | undefined {
    // The close gave up on it (its connection closing): no answer reaches the terminal, and onError is not called.
    if (closedByEndpoint(context.signal)) book.undelivered('client-gone');
    else if (context.signal?.aborted === true) book.late();
    else if (!this.hasOnError) return book.undelivered('sequence-failed');
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
   * The endpoint's onError: `onError` as it is, its answer to a message whose sequence failed in time, or timed out,
   * judged. An answer that approves in the endpoint's dialect (`isApprovalClass`: a partial approval too) is the
   * terminal's approval: the sequence's approvals are kept (reversed only if that answer never reaches the terminal:
   * `onLateResult`), unless it is the approval of onError's own link (`backedByOwn`: a backup's, which is kept; the
   * sequence's are reversed, `sequence-failed` or `sequence-timeout`, and onError's other approvals, `ownUndone`: one
   * charge); when it relays the sequence's own approval (its fields 39 and 38), what onError itself got is reversed
   * instead (a backup's approval asked too: one charge, the one the terminal was told; on-error-verdict.ts). Any
   * other answer, a throw, or no settling within the `sequenceTimeout` (this wrapper then fails first, with the
   * endpoint's timeout error, so that the terminal's 96 and the reversal go together) reverses them at once
   * (`sequence-failed` for a failure in time, `sequence-timeout` for a timeout, whether the sequence settles later or
   * never), and so are the approvals onError itself got (a backup link's): the terminal was told no.
   */
  onError(onError: Sequence): Sequence {
    this.hasOnError = true;
    return (message: InboundMessage, context: SequenceContext) => {
      const id = context.messageId;
      const failed = this.failing.get(id);
      if (failed !== undefined) {
        this.failing.delete(id);
        clearTimeout(failed.timer);
        this.deciding.add(failed.book);
        const watched = this.watchedOnError(message, context, failed.book, 'sequence-failed');
        return judgeOnError(onError, message, this.judge(failed.book), watched, (approves, owner) => {
          this.deciding.delete(failed.book);
          warnVerdict(this.logger, message, approves, owner, failed.book, this.onErrorBooks.get(failed.book));
          // The approval the terminal was told stands, every other in either book is undone (on-error-verdict.ts); an
          // approval one book repeats of the other's (the same request sent again, the same approval) is the other's:
          // kept with it, or reversed once by it (onError's book first, while the sequence's still holds its own).
          const own = this.onErrorBooks.get(failed.book);
          // The sequence's relayed: only onError's reversible approvals are undone (an approved advice is no charge);
          // onError's own relayed: its others (`ownUndone`).
          const mine = ownUndone(own, approves, owner, 'sequence-failed', failed.book);
          // Stored before onError's answer is written (on-error-verdict.ts).
          return allStored([mine, !approves || owner === 'own' ? failed.book.undelivered('sequence-failed', false, own) : undefined]);
        });
      }
      const running = this.running.get(id);
      if (running !== undefined && context.error?.code === 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT') {
        this.running.delete(id);
        running.timedOut();
        this.deciding.add(running);
        const watched = this.watchedOnError(message, context, running, 'sequence-timeout');
        return judgeOnError(onError, message, this.judge(running), watched, (approves, owner) => {
          this.deciding.delete(running);
          warnVerdict(this.logger, message, approves, owner, running, this.onErrorBooks.get(running));
          // An approval of onError's own link (a backup's) told: the sequence's approvals are reversed, as for a
          // decline; the sequence's own relayed: onError's are (on-error-verdict.ts).
          const own = this.onErrorBooks.get(running);
          const mine = ownUndone(own, approves, owner, 'sequence-timeout', running);
          return allStored([mine, running.judged(approves && owner !== 'own', own)]);
        });
      }
      return onError(message, context);
    };
  }

  /** What onError's answer to the message of `book` is judged by (on-error-verdict.ts). */
  private judge(book: MessageAnswers): OnErrorJudge {
    return { codec: this.codec, timeout: this.timeout, book, own: this.onErrorBooks.get(book) };
  }

  /**
   * onError's context with its sends kept in a book of their own (`onErrorBooks`, by the sequence's `book`), and its
   * signal following that book's abort (`abandon`). When the endpoint gives up on onError (it fails, or its timer
   * fires: the terminal gets a 96), its own signal is aborted (a request still out is dropped, or reversed by its
   * connector) and what it got is reversed (`reason`), with every later answer as it comes.
   */
  private watchedOnError(message: InboundMessage, context: SequenceContext, book: MessageAnswers, reason: 'sequence-failed' | 'sequence-timeout'): SequenceContext {
    const own = new MessageAnswers(this.reverse, book);
    this.onErrorBooks.set(book, own);
    const stop = new AbortController();
    this.stops.set(own, stop);
    const signal = context.signal;
    signal?.addEventListener('abort', () => {
      // The close's abort (the terminal got no answer) is `abandon`'s, reason client-gone.
      if (closedByEndpoint(signal)) return;
      // The endpoint's 96 (whatever onError's verdict was: its answer beaten by the timer) waits for both books'
      // reversals (onError's first: a repeat once) and its verdict's (`verdictStored`) stored, bounded (`holdGiveUp`).
      const why = timedOut(signal.reason) ? 'sequence-timeout' : reason;
      const stored = allStored([own.undelivered(why, false, book), book.undelivered(why, false, own), verdictStored(book)]);
      if (stored !== undefined) holdGiveUp(signal, storedWithin(stored, giveUpHold(this.timeout), this.timeout, message, context, '96 after onError', 'a tenth of the sequenceTimeout, 250 ms at most'));
    }, { once: true });
    return watchedContext(context, own, stop.signal);
  }

  /**
   * The endpoint has closed (a stop: its `shutdownDeadline` passed, or an abort): every message whose sequence is still
   * awaited, or whose failure's onError answer is, had its connection closed under it, so its reply never reaches the
   * terminal: its approvals are reversed now (reason `client-gone`), before the SAF queues drain and the connectors
   * close, and every later one as it comes; its sequence's `context.signal` is aborted, so that it stops (a request
   * it still has at the bank is given up, and reversed by its connector). A message whose reply was delivered, or
   * whose terminal had its timeout answer (judged as ever), is not here. Settles (never rejects) once the reversals it
   * started are stored (or known lost): the flow's stop holds the connectors until then.
   */
  abandon(): Promise<void> {
    const left = new Set([...this.running.values(), ...this.deciding, ...[...this.failing.values()].map((f) => f.book)]);
    for (const f of this.failing.values()) clearTimeout(f.timer);
    this.running.clear();
    this.deciding.clear();
    this.failing.clear();
    const stored: Promise<void>[] = [];
    for (const book of left) {
      // onError's book first, while the sequence's still holds what it got: a repeat of the same approval is reversed once.
      const own = this.onErrorBooks.get(book);
      for (const [one, twin] of [[own, book], [book, own]] as const) {
        if (one === undefined) continue;
        const reversed = one.undelivered('client-gone', false, twin);
        if (reversed !== undefined) stored.push(reversed);
        this.stops.get(one)?.abort();
      }
    }
    return Promise.all(stored).then(() => undefined);
  }

  /**
   * The endpoint's `onLateResult`: the reply of the message never reached its terminal, the sequence's or onError's
   * (an approval onError built, kept when judged, is reversed now; one not kept was reversed already: once). The
   * sequence's result after its timeout is judged by the terminal's timeout answer (`late`); onError's never reached
   * the terminal, whatever its verdict was (its answer judged approving, then beaten by the endpoint's own timer while
   * it waited for its reversals to be stored: the terminal got the 96), so the sequence's approvals are reversed too.
   * The endpoint gives the message's own context, the key of its book, whichever built the reply.
   */
  readonly onLateResult: LateResultHandler = (_result, _message, context, reason, source) => {
    const book = this.books.get(context);
    // onError's answer never reached the terminal (its late answer after the 96, its client gone, not packable): what
    // onError got is reversed too, its book first while the sequence's still holds its own (a repeat reversed once).
    const own = source === 'onError' && book !== undefined ? this.onErrorBooks.get(book) : undefined;
    own?.undelivered(reason, false, book);
    if (reason === 'sequence-timeout' && source !== 'onError') book?.late();
    else book?.undelivered(reason, false, own);
  };
}
