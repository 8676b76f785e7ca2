/**
 * A request's one outcome in the connector's books. Either it is refused before it is accepted (the connector is
 * closing, a bad timeout, the in-flight limit): recorded as failed, never counted as in flight. Or it is accepted
 * (counted, in flight) and settles exactly once, answered or failed: taken out of flight, counted, and recorded (to
 * `recordTo` when given, else the transaction log: `TransactionRecorder.settled`, the recording's one home),
 * whichever way and on whichever path it ends. A request an upstream group's terminal queue refuses before any
 * upstream sees it is accepted and failed here too, by the connector whose queue it is ({@link RequestOutcomes.queued}),
 * and so is one the group refuses because the upstream it routes to is down ({@link RequestOutcomes.unsent}). Here,
 * and only here, a failed request's error is told whether the request was written (`sent`, request-sent.ts): the
 * sender reports the write on the request's {@link Settle}, every refusal is `'no'`. (A SAF attempt, no caller's request,
 * is told so by the sender itself: request-sender.ts `safAttempt`.)
 */
import type { Dialect, Iso8583Error, IsoMessage, MessageInput } from '@iso8583/codec';
import { mtiOf } from './accounting.js';
import type { Accounting } from './accounting.js';
import type { ChannelResponse } from './channel-request.js';
import { connectorError } from './errors.js';
import type { Lifecycle } from './lifecycle.js';
import { markSent } from './request-sent.js';
import { RequestAbort, abortedBefore, signalProblem } from './request-abort.js';
import { isInquiry, isUnreversibleEdition } from './reversal-message.js';
import type { TerminalQueue } from './terminal-queue.js';
import { deadlineProblem, requestTimeoutProblem } from './timeouts.js';
import type { RecordTo, TransactionRecorder } from './transaction-record.js';
import type { TransactionsInFlight } from './transactions-in-flight.js';

/** Whether a request's frame was handed to a socket: what its sender reports, and its failure's `sent` says. */
export interface WriteMark {
  /** True once the request's first byte was written (a failure from then on leaves its outcome at the host unknown). Default false. */
  written: boolean;
  /** Called once in the turn the request's frame is handed to the socket (never when it is not written); default none. */
  readonly onWrite?: () => void;
  /** The abort of the request when its caller gave a `signal` (send options), until it settles; else undefined. */
  readonly abort?: RequestAbort;
}

/** How an accepted request settles: counted and recorded once, whichever way it ends. */
export interface Settle extends WriteMark {
  /** Answered: the response, handed on. */
  answered(response: ChannelResponse): ChannelResponse;
  /** Failed: the error, handed on (to be thrown or rejected with), with `sent` (`'maybe'` when `written`, else `'no'`). */
  failed(err: unknown): unknown;
}

/** The outcomes of one connector's requests: refusals and settlements, each counted and recorded once. */
/** Marks an error of a request refused before it was accepted: the connector's totals never counted it. */
const NEVER_ACCEPTED = Symbol('iso8583.neverAccepted');

/** `err`, marked as the refusal of a request never accepted (never counted in `requests` nor `errors`). */
function neverAccepted<E extends object>(err: E): E {
  if (Object.isExtensible(err)) Object.defineProperty(err, NEVER_ACCEPTED, { value: true });
  return err;
}

/**
 * True when `err` refused a request before its connector accepted it (`RequestOutcomes.refused`, a bad option before a
 * terminal queue): counted nowhere, so an upstream group never takes it off its totals (upstream-group-tries.ts).
 */
export function wasNeverAccepted(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { [NEVER_ACCEPTED]?: boolean })[NEVER_ACCEPTED] === true;
}

export class RequestOutcomes {
  constructor(
    /** The connector's lifecycle: its state (closing refuses) and its count of accepted, unsettled requests. */
    private readonly lifecycle: Lifecycle,
    /** The connector's counters. */
    private readonly accounting: Accounting,
    /** What records every request in the transaction log (`undefined`: no log is kept). */
    private readonly recorder: TransactionRecorder | undefined,
    /** The most requests accepted and not yet settled (`maxInFlight`). */
    private readonly maxInFlight: number,
    /**
     * The request as this connector would send it, fields 11 and 7 auto-filled (`autoFill`; 7 as at `at`, its arrival,
     * ms since the epoch): what a refusal for it is recorded with (only when a log is kept: no STAN is spent
     * otherwise), as a request refused at its own queue is. Default: the request as given.
     */
    private readonly filled: (message: MessageInput, at: number) => MessageInput = (message) => message,
    /** The transactions of the reversible requests accepted and not settled (transactions-in-flight.ts), once tracking; default none kept. */
    private readonly inFlight?: TransactionsInFlight,
    /**
     * The connector's dialect when reversal is on (`reversal.enabled`), else undefined (default): a request of a
     * reversible class in an edition that cannot be reversed (`isUnreversibleEdition`: a 2200), no inquiry, is then refused.
     */
    private readonly reversing?: Pick<Dialect, 'fields'>,
  ) {}

  /** Requests waiting to be accepted (`waiting`): they count toward `maxInFlight`. */
  private waitingCount = 0;

  /**
   * A request checked (`refused`) waits before it is accepted (for the start to read the journal, connector.ts): it
   * counts toward `maxInFlight` until the function returned is called (once, when the wait ends, before it is checked
   * again), so that any number of them do not pile up, each holding its card data.
   */
  waiting(): () => void {
    this.waitingCount += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.waitingCount -= 1;
    };
  }

  /** False once the connector's `close()` or `destroy()` was called: it accepts no request from then on. */
  get accepting(): boolean {
    return !this.lifecycle.stopping;
  }

  /**
   * True while a reversible request of the transaction `message` names (fields 11, 41, 32 and 2) is accepted and not
   * settled; always false until {@link RequestOutcomes.trackTransactions}.
   */
  holds(message: MessageInput): boolean {
    return this.inFlight?.has(message) === true;
  }

  /** From now on the transactions of reversible requests are held while in flight (an upstream group adopted the connector). */
  trackTransactions(): void {
    if (this.inFlight !== undefined) this.inFlight.tracking = true;
  }

  /**
   * Why a request is refused before it is accepted (its `signal` aborted already, closing, a bad timeout or
   * `deadline`, with reversal on a request of a reversible class in an edition it cannot reverse, a 2200: `unreversibleRefusal`,
   * the in-flight limit), recorded as failed (`at`, `t0`: when it came, by the wall clock and by `performance.now()`); else undefined.
   */
  refused(input: MessageInput, timeout: number | undefined, at: number, t0: number, recordTo: RecordTo | undefined, signal?: AbortSignal, deadline?: number): Iso8583Error | undefined {
    const refusal = signalProblem(signal) ?? abortedBefore(signal, mtiOf(input)) ?? this.refusal(input, timeout, deadline);
    if (refusal === undefined) return undefined;
    this.recorder?.settled(input, undefined, refusal.code, at, t0, recordTo);
    return neverAccepted(markSent(refusal, false));
  }

  /**
   * Accepts `message` (counted, in flight; a reversible one's transaction held until it settles) and returns how it
   * settles, once; `told` is called with the answer; `signal` (send options): the caller's abort, listened to until it
   * settles (request-abort.ts).
   */
  accepted(message: MessageInput, mti: string, at: number, t0: number, recordTo: RecordTo | undefined, told?: (answer: IsoMessage) => void, signal?: AbortSignal): Settle {
    const recorder = this.recorder;
    this.lifecycle.enter();
    this.accounting.accepted(mti);
    const held = this.inFlight?.hold(message, mti);
    const settle: Settle = {
      written: false,
      abort: signal === undefined ? undefined : new RequestAbort(signal, mti),
      answered: (response) => {
        settle.abort?.end();
        if (held !== undefined) this.inFlight?.release(held);
        this.lifecycle.leave();
        recorder?.settled(message, response.message, undefined, at, t0, recordTo);
        told?.(response.message);
        return response;
      },
      failed: (err) => {
        settle.abort?.end();
        const code = (err as Partial<Iso8583Error> | undefined)?.code;
        if (held !== undefined) this.inFlight?.release(held);
        this.lifecycle.leave();
        this.accounting.failed(mti, code);
        recorder?.settled(message, undefined, code, at, t0, recordTo);
        return markSent(err, settle.written);
      },
    };
    return settle;
  }

  /**
   * Runs `task` in the turn `queue` gives the terminal (field 41) of `message`: what an upstream group does with its
   * one terminal queue, held by one of its connectors, before it picks the upstream (`task`, whose connector then
   * counts and records the request). A request the queue refuses before `task` runs (`QUEUE_FULL`, `QUEUE_TIMEOUT`,
   * `DEADLINE`, `ABORTED` by its caller's `signal`, the terminal lock failed, `CLOSED` on destroy) is accepted and
   * failed here, counted and recorded once, timed from its arrival and with the fields 11 and 7 this connector fills in
   * (`autoFill`; 7 as at its arrival), as a lone connector's refusal at its queue is; the caller gets the queue's
   * error. `signal`: the caller's abort (send options), which ends the wait in the queue at once, never written;
   * `timeout`: the request's own (send options), which bounds its wait there when shorter than the queue's. A bad
   * `deadline`, `timeout` or `signal` (a wall-clock time, not a whole number of ms, not an `AbortSignal`) is refused before the queue, never accepted.
   */
  queued<T>(queue: TerminalQueue, message: MessageInput, deadline: number | undefined, task: () => Promise<T>, signal?: AbortSignal, timeout?: number): Promise<T> {
    const timed = this.recorder !== undefined;
    const at = timed ? Date.now() : 0;
    const t0 = timed ? performance.now() : 0;
    const mti = mtiOf(message);
    // Checked before the wait, as a lone connector checks them before its queue (`refused`): never accepted, recorded once.
    const bad = deadlineProblem(deadline) ?? requestTimeoutProblem(timeout) ?? signalProblem(signal);
    if (bad !== undefined) {
      this.recorder?.settled(message, undefined, bad.code, at, t0, undefined);
      return Promise.reject(neverAccepted(markSent(bad, false)));
    }
    let ran = false;
    const run = (): Promise<T> => {
      ran = true;
      return task();
    };
    return queue.run(message['41'], run, deadline, mti, signal, timeout).catch((err: unknown) => {
      throw ran ? err : this.accepted(timed ? this.filled(message, at) : message, mti, at, t0, undefined).failed(err);
    });
  }

  /**
   * A request refused for this connector before it came here (its upstream group found this upstream down:
   * `UPSTREAM_DOWN`): accepted and failed at once, counted (`requests`, `errors`, `iso8583_connector_failures_total` by
   * code) and recorded once (its fields 11 and 7 filled in as this connector fills them), as a refusal by the terminal
   * queue is. Returns `err`.
   */
  unsent(message: MessageInput, err: Iso8583Error): Iso8583Error {
    if (this.recorder === undefined) return this.accepted(message, mtiOf(message), 0, 0, undefined).failed(err) as Iso8583Error;
    const at = Date.now();
    return this.accepted(this.filled(message, at), mtiOf(message), at, performance.now(), undefined).failed(err) as Iso8583Error;
  }

  private refusal(input: MessageInput, timeout: number | undefined, deadline: number | undefined): Iso8583Error | undefined {
    if (this.lifecycle.stopping) return connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing', { mti: mtiOf(input) });
    const badTimeout = requestTimeoutProblem(timeout) ?? deadlineProblem(deadline);
    if (badTimeout !== undefined) return badTimeout;
    if (this.reversing !== undefined) {
      const unreversible = unreversibleRefusal(this.reversing, input);
      if (unreversible !== undefined) return unreversible;
    }
    if (this.lifecycle.accepted + this.waitingCount >= this.maxInFlight) {
      return connectorError('ISO8583_ERR_CONNECTOR_IN_FLIGHT_LIMIT', `${this.maxInFlight} requests are already in flight`, {
        field: 'maxInFlight',
      });
    }
    return undefined;
  }
}

/**
 * The refusal (`ISO8583_ERR_CONNECTOR_INPUT`, field 0) of `input`, with reversal on, when its MTI is of a reversible
 * class in an edition the reversal cannot be built in (reversal-message.ts `isUnreversibleEdition`: a 2200) and it is no
 * inquiry (never reversed anyway): sent, a timeout would leave a late approval standing, never reversed (rv68g). The
 * text names the MTI and the ways out; no field value. `undefined` for any other request.
 */
function unreversibleRefusal(dialect: Pick<Dialect, 'fields'>, input: MessageInput): Iso8583Error | undefined {
  const mti = mtiOf(input);
  if (!isUnreversibleEdition(mti) || isInquiry(dialect, input)) return undefined;
  const rest = mti.slice(1);
  return connectorError(
    'ISO8583_ERR_CONNECTOR_INPUT',
    `a ${mti} is not sent while reversal is on: its edition (version digit ${mti[0]}) cannot be reversed, so a timeout would leave a late approval standing; send it as a 0${rest} or 1${rest}, or through a connector with reversal off (reversal.enabled: false)`,
    { field: '0', mti },
  );
}
