/**
 * A caller's `signal` (send options) on one request: the caller gives up, e.g. an inbound sequence whose
 * `sequenceTimeout` passed (its `context.signal`), after its client was answered. A request not yet written when the
 * signal aborts is never written (`ISO8583_ERR_CONNECTOR_ABORTED`, `sent: 'no'`); one written is no longer waited for,
 * exactly as after its timeout (`ISO8583_ERR_CONNECTOR_ABORTED`, `sent: 'maybe'`): a reversible request is reversed,
 * and an answer that comes later is reported as late. The abort's `reason` (an object: the inbound endpoint's
 * `ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT`) is told, as the abort happens, whether the request may be at the host (its
 * `sent`, request-sent.ts), so that whoever answers the client for the caller knows it at once (68, not 96).
 * An abort whose reason is marked client-gone ({@link clientGone}: the caller's client left before it was answered)
 * only drops a request still unwritten: one written is awaited as if not aborted, its answer the caller's to handle.
 */
import type { Iso8583Error } from '@iso8583/codec';
import type { Channel } from './channel.js';
import type { ChannelRequest } from './channel-request.js';
import { connectorError } from './errors.js';
import { markSent } from './request-sent.js';

/**
 * The mark of an abort reason that says the caller's client left (its connection closed before it was answered). A
 * registered symbol, so that a package that does not depend on the connector (the inbound endpoint's `context.gone`)
 * marks its reason alike.
 */
export const CLIENT_GONE: unique symbol = Symbol.for('@iso8583/client-gone');

/**
 * Marks `reason` (an object, e.g. an error) as a client-gone abort reason and returns it: a request whose `signal`
 * aborts with it is dropped while it is unwritten (`ISO8583_ERR_CONNECTOR_ABORTED`, `sent: 'no'`, never written, as
 * SocketQueue drops the queued request of a client that has gone); once written, the abort is ignored: its answer is
 * awaited and given to the caller as usual (who undoes an approval its client never got, or leaves it, by its own
 * rules). Without the mark, an abort of a written request stops the wait as a timeout does (reversed, reversal on).
 */
export function clientGone<E extends object>(reason: E): E {
  (reason as { [CLIENT_GONE]?: true })[CLIENT_GONE] = true;
  return reason;
}

/** Whether an abort `reason` is marked client-gone ({@link clientGone}). */
export function isClientGone(reason: unknown): boolean {
  return reason !== null && typeof reason === 'object' && (reason as { [CLIENT_GONE]?: unknown })[CLIENT_GONE] === true;
}

/**
 * The problem of a request's `signal` (send options), if any: an `AbortSignal`, or absent. Anything else (an object
 * without `addEventListener`, a string) is refused with `ISO8583_ERR_CONNECTOR_OPTIONS` naming `signal`, before the
 * request is accepted: it once threw a TypeError after the request was counted in flight, and `close()` waited for it
 * for ever.
 */
export function signalProblem(signal: unknown): Iso8583Error | undefined {
  if (signal === undefined) return undefined;
  const s = signal as Partial<AbortSignal> | null;
  if (s !== null && typeof s === 'object' && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function' && typeof s.removeEventListener === 'function') return undefined;
  const reason = 'must be an AbortSignal';
  return connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', reason, { field: 'signal', problems: [{ field: 'signal', code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason }] });
}

/**
 * True when a request that failed after its write failed by the host's doing (no answer within the full
 * `requestTimeout`, an undecodable answer, a lost connection), false when by its caller's own limit: its abort
 * (`ISO8583_ERR_CONNECTOR_ABORTED`), its deadline (`..._DEADLINE`, or a `..._TIMEOUT` of a wait the deadline
 * `shortened`). Only the host's failure tells an upstream group its upstream is down.
 */
export function hostFault(err: unknown, shortened: boolean): boolean {
  const code = (err as Partial<Iso8583Error> | undefined)?.code;
  if (code === 'ISO8583_ERR_CONNECTOR_ABORTED' || code === 'ISO8583_ERR_CONNECTOR_DEADLINE') return false;
  return !(shortened && code === 'ISO8583_ERR_CONNECTOR_TIMEOUT');
}

/** The error of a request its caller's `signal` aborted: `written`, after its write (the outcome at the host unknown). */
export function abortedError(mti: string, written: boolean): Iso8583Error {
  return connectorError(
    'ISO8583_ERR_CONNECTOR_ABORTED',
    written
      ? 'the caller aborted the wait for the response (its signal): the outcome at the host is unknown'
      : 'the caller aborted the request (its signal) before it was written: it never reached the host',
    { mti, field: 'signal' },
  );
}

/**
 * Refuses a request whose `signal` is already aborted (before it is accepted): the abort's reason is told it was not
 * sent. Returns the error, or undefined when there is no signal or it is not aborted.
 */
export function abortedBefore(signal: AbortSignal | undefined, mti: string): Iso8583Error | undefined {
  if (signal?.aborted !== true) return undefined;
  markSent(signal.reason, false);
  return abortedError(mti, false);
}

/**
 * What listens to a caller's signal through its watch: a request's abort, or a wait before one is accepted. Linked in
 * its watch's list while it listens (`before`, `after`, `watched`): a `Set` per signal gained and lost an entry per
 * request, and a set kept busy on a long-lived signal (a POS connection's, shared by its requests) rehashes into a new
 * table every few requests, the old one linked to it: once a full collection had promoted one, every later table and
 * the requests it held survived scavenges and were promoted (the gateway cost guard's promoted bytes). A link costs
 * no table.
 */
interface Watcher {
  handleEvent(): void;
  /** The watcher linked before this one in its watch (`undefined`: it is the first). */
  before?: Watcher | undefined;
  /** The watcher linked after this one (`undefined`: it is the last). */
  after?: Watcher | undefined;
  /** True while linked in its watch. */
  watched?: boolean;
}

/** The requests under way on one caller's signal (a list, in the order they came), and the one listener the signal has for all of them. */
interface SignalWatch {
  first: Watcher | undefined;
  last: Watcher | undefined;
  readonly listener: () => void;
}

/**
 * The watch of each signal with requests under way: one `abort` listener per signal, however many requests share it
 * (a service's shutdown signal on every request), so that Node's leak warning (at 11 listeners) never fires for a
 * signal the caller shares, and a signal is not slowed by thousands of listeners. Removed as its last request settles.
 */
const WATCHES = new WeakMap<AbortSignal, SignalWatch>();

/** Adds `abort` to the watch of `signal` (made, with its listener, for the first request on it); returns the watch. */
function watchSignal(signal: AbortSignal, abort: Watcher): SignalWatch {
  let watch = WATCHES.get(signal);
  if (watch === undefined) {
    // Each request in the order it came; one that settled meanwhile (by an earlier one's abort) is skipped.
    const listener = (): void => {
      if (WATCHES.get(signal) === made) WATCHES.delete(signal);
      const each: Watcher[] = [];
      for (let w = made.first; w !== undefined; w = w.after) each.push(w);
      for (const w of each) if (w.watched === true) w.handleEvent();
    };
    const made: SignalWatch = { first: undefined, last: undefined, listener };
    watch = made;
    WATCHES.set(signal, watch);
    signal.addEventListener('abort', listener, { once: true });
  }
  abort.before = watch.last;
  abort.after = undefined;
  abort.watched = true;
  if (watch.last === undefined) watch.first = abort;
  else watch.last.after = abort;
  watch.last = abort;
  return watch;
}

/** Takes `abort` out of the watch `watch` of `signal`; the last one out removes the signal's listener. */
function unwatchSignal(signal: AbortSignal, watch: SignalWatch, abort: Watcher): void {
  if (abort.watched !== true) return;
  const { before, after } = abort;
  if (before === undefined) watch.first = after;
  else before.after = after;
  if (after === undefined) watch.last = before;
  else after.before = before;
  abort.before = undefined;
  abort.after = undefined;
  abort.watched = false;
  if (watch.first !== undefined) return;
  signal.removeEventListener('abort', watch.listener);
  if (WATCHES.get(signal) === watch) WATCHES.delete(signal);
}

/**
 * Resolves once `wait` settles (fulfilled or rejected), or at once when `signal` aborts first (or has already): a wait
 * before a request is accepted (the start reading the journal, connector.ts) that its caller's abort ends. Listens
 * through the signal's one watch, until it resolves.
 */
export function untilAborted(wait: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  const settled = wait.then(
    () => undefined,
    () => undefined,
  );
  if (signal === undefined) return settled;
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const watcher: Watcher = { handleEvent: () => end(), before: undefined, after: undefined, watched: false };
    const watch = watchSignal(signal, watcher);
    const end = (): void => {
      unwatchSignal(signal, watch, watcher);
      resolve();
    };
    void settled.then(end);
  });
}

/** The abort of one accepted request: listens to its caller's signal until the request settles ({@link RequestAbort.end}). */
export class RequestAbort {
  private channel: Channel | undefined;
  private req: ChannelRequest | undefined;
  private giveUp: (() => void) | undefined;
  private readonly watch: SignalWatch;
  /** Its links in its signal's watch (`Watcher`: no table per request); set by the watch, declared for one shape. */
  before: Watcher | undefined = undefined;
  after: Watcher | undefined = undefined;
  watched = false;

  constructor(
    private readonly signal: AbortSignal,
    private readonly mti: string,
  ) {
    this.watch = watchSignal(signal, this);
  }

  /**
   * The signal aborted: a written request stops waiting (as after its timeout); one not written never will be, and
   * its wait for a connection, if it is in one, ends now. The one rule of a client-gone reason ({@link clientGone}):
   * a written request is not touched (awaited, answered to the caller as if not aborted).
   */
  handleEvent(): void {
    const req = this.req;
    const written = req?.written === true;
    if (written && isClientGone(this.signal.reason)) return;
    markSent(this.signal.reason, written);
    if (written) (this.channel as Channel).expire(req as ChannelRequest, abortedError(this.mti, true));
    else this.giveUp?.();
  }

  /**
   * While the request waits for a connection: `giveUp` is called on the abort (at once when the signal aborted
   * already, e.g. while its reversal was journaled); `undefined` once the wait is over.
   */
  whileWaiting(giveUp: (() => void) | undefined): void {
    this.giveUp = giveUp;
    if (giveUp !== undefined && this.signal.aborted) giveUp();
  }

  /** Writes `req` on `channel`, unless the signal aborted already: then `req` fails unwritten. */
  send(channel: Channel, req: ChannelRequest): void {
    if (this.signal.aborted) {
      req.reject(abortedError(this.mti, false));
      return;
    }
    this.channel = channel;
    this.req = req;
    channel.send(req);
  }

  /** The request settled: the signal is no longer listened to. */
  end(): void {
    unwatchSignal(this.signal, this.watch, this);
  }
}

/** Writes `req` on `channel` through its request's abort, if its caller gave a `signal` (`mark.abort`). */
export function sendOn(channel: Channel, req: ChannelRequest, mark: { readonly abort?: RequestAbort } | undefined): void {
  const abort = mark?.abort;
  if (abort === undefined) channel.send(req);
  else abort.send(channel, req);
}
