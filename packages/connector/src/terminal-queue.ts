/**
 * The per-terminal queue (SocketQueue's TID queueing): requests of one card acceptor terminal (field 41) go to the
 * host one at a time, in the order they came; the others wait, bounded in number and in time.
 */
import type { FieldSpec } from '@iso8583/codec';
import { connectorError } from './errors.js';
import { fieldText, wireValue } from './match-key.js';
import { abortedBefore } from './request-abort.js';
import { deadlineError, timeLeft } from './timeouts.js';

/**
 * What holds a terminal beyond this process while one of its requests runs (e.g. a PostgreSQL advisory lock shared
 * by every node on one database, `PgTerminalLock`). Default: none (one at a time within the process only).
 */
export interface TerminalLock {
  /**
   * Runs `task` while holding the terminal; its outcome is the task's. `wait`: the milliseconds left of the request's
   * `terminalQueue.timeout` once its turn came in this process (its wait in the queue counted): the wait for the
   * terminal beyond the process gets no more than that. Default: the lock's own bound.
   */
  hold<T>(terminal: string, task: () => Promise<T>, wait?: number): Promise<T>;
  /** Releases what it holds (on close). */
  close(): Promise<void>;
  /**
   * Optional: `close` on the connector's `destroy`, bounded by a short grace (a PostgreSQL store that stopped answering
   * is cut then). Without it, `destroy` waits for `close`.
   */
  destroy?(): Promise<void>;
}

/**
 * @internal A send option (`SendOptions[IN_TERMINAL_LANE]`): the request already holds its terminal's turn in the
 * queue (an upstream group queues each request once, before it picks the upstream), so the connector does not queue it
 * again.
 */
export const IN_TERMINAL_LANE: unique symbol = Symbol('iso8583.inTerminalLane');

interface Waiting {
  start(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  /** The caller's abort (the request's `signal`), listened to while the request waits; undefined without one. */
  signal?: AbortSignal;
  /** Ends the wait on that abort. */
  aborted?: () => void;
}

interface Lane {
  busy: boolean;
  waiting: Waiting[];
}

/** The wait of `entry` is over: its timer and its abort listener go. */
function stopWaiting(entry: Waiting): void {
  clearTimeout(entry.timer);
  if (entry.aborted !== undefined) entry.signal?.removeEventListener('abort', entry.aborted);
}

/**
 * A terminal id (field 41 as the caller gave it: text or a number) as the host sees it, the key of its lane and of its
 * `TerminalLock`: padded as the dialect puts field 41 on the wire (`field41`), so that `992468` and `"00992468"` of an
 * `n 8` field 41 (SmartVista's), or `"T1"` and `"T1      "` of an `ans 8` one, are one terminal, as at the bank
 * (SocketQueue pads it before it locks). Without a spec, the text as given.
 */
export function terminalKey(field41: FieldSpec | undefined, terminal: unknown): string {
  return wireValue(field41, fieldText(terminal) ?? String(terminal));
}

/** How long a request may wait for its terminal, and the option that says so. */
interface WaitBound {
  readonly ms: number;
  readonly field: 'terminalQueue.timeout' | 'timeout';
}

/** The wait's bound: the queue's `timeout`, or the request's own `timeout` when shorter. */
function waitBound(queue: number, request: number | undefined): WaitBound {
  return request !== undefined && request < queue ? { ms: request, field: 'timeout' } : { ms: queue, field: 'terminalQueue.timeout' };
}

/** The failure of a request that waited its `bound` for its terminal (never written: the host never had it). */
function queueTimeout(bound: WaitBound): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT', `waited ${bound.ms} ms in the queue of its terminal`, { field: bound.field });
}

/** One lane per terminal id; a lane exists while its terminal has work. */
export class TerminalQueue {
  private readonly lanes = new Map<string, Lane>();
  private queued = 0;

  constructor(
    /** Most requests waiting per terminal. */
    readonly maxQueued: number,
    /** Milliseconds a request may wait. */
    readonly timeout: number,
    /** Holds the terminal across processes too. Default: none. */
    readonly lock?: TerminalLock,
    /** The dialect's field 41: a terminal is keyed as it goes on the wire (`terminalKey`). Default: none, as given. */
    readonly field41?: FieldSpec,
  ) {}

  /** Requests waiting (not yet started) across all terminals. */
  get waiting(): number {
    return this.queued;
  }

  /**
   * Runs `task` when the terminal's previous requests are done; its outcome is the task's. `deadline`: the request's
   * overall deadline (a `performance.now()` time), which ends the wait when it comes before `timeout`: the wait then
   * fails with `ISO8583_ERR_CONNECTOR_DEADLINE` (for the request of `mti`), else with
   * `ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT`. Default: none. `signal`: the caller's abort (send options), which ends the
   * wait at once, the request never written (`ISO8583_ERR_CONNECTOR_ABORTED`, `sent: 'no'`, its reason told so); the
   * others keep their order. It is listened to only while the request waits. Default: none. `id`: field 41 as the
   * caller gave it, keyed as it goes on the wire (`terminalKey`). `timeout`: the request's own `timeout` (send
   * options, ms), which bounds its wait here (the queue, then the terminal lock) when shorter than the queue's
   * (`ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT` naming `timeout`). It bounds only that wait: the wait for the answer counts
   * its `timeout` again from the write, so a request may take up to about twice it in all; `deadline` is the one bound
   * of the whole request. Default: the queue's `timeout` alone.
   */
  run<T>(id: unknown, task: () => Promise<T>, deadline?: number, mti = '', signal?: AbortSignal, timeout?: number): Promise<T> {
    const bound = waitBound(this.timeout, timeout);
    const terminal = terminalKey(this.field41, id);
    let lane = this.lanes.get(terminal);
    if (lane === undefined) {
      lane = { busy: false, waiting: [] };
      this.lanes.set(terminal, lane);
    }
    const current = lane;
    const queued = performance.now();
    if (!current.busy) {
      current.busy = true;
      return this.execute(terminal, current, task, queued, bound);
    }
    if (current.waiting.length >= this.maxQueued) {
      return Promise.reject(
        connectorError('ISO8583_ERR_CONNECTOR_QUEUE_FULL', `the queue of a terminal holds ${this.maxQueued} requests`, {
          field: 'terminalQueue.maxQueued',
        }),
      );
    }
    const left = timeLeft(deadline, performance.now());
    // The deadline, not the queue's own timeout, ends this wait: the caller's promise (DEADLINE) is the one kept.
    const byDeadline = left < bound.ms;
    const refused = abortedBefore(signal, mti);
    if (refused !== undefined) return Promise.reject(refused);
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = {
        start: () => {
          stopWaiting(entry);
          this.execute(terminal, current, task, queued, bound).then(resolve, reject);
        },
        reject,
        timer: setTimeout(() => {
          this.leave(current, entry);
          reject(byDeadline ? deadlineError(mti) : queueTimeout(bound));
        }, Math.min(bound.ms, left)),
      };
      if (signal !== undefined) {
        entry.signal = signal;
        entry.aborted = () => {
          this.leave(current, entry);
          reject(abortedBefore(signal, mti) as Error);
        };
        signal.addEventListener('abort', entry.aborted, { once: true });
      }
      current.waiting.push(entry);
      this.queued += 1;
    });
  }

  /** `entry` leaves its lane's queue before its turn (its wait timed out, or its caller aborted); the others keep their order. */
  private leave(lane: Lane, entry: Waiting): void {
    stopWaiting(entry);
    const i = lane.waiting.indexOf(entry);
    if (i >= 0) lane.waiting.splice(i, 1);
    this.queued -= 1;
  }

  /** Fails every waiting request (on destroy). */
  rejectAll(err: Error): void {
    for (const lane of this.lanes.values()) {
      for (const entry of lane.waiting.splice(0)) {
        stopWaiting(entry);
        this.queued -= 1;
        entry.reject(err);
      }
    }
  }

  /**
   * Runs `task` in its turn (`queued`: when it came, a `performance.now()` time): the lock beyond the process waits
   * only what is left of the wait's `bound` since then, so that the two waits add up to one bound. A turn that
   * comes with nothing left (its wait's timer not yet run, the loop busy) fails with
   * `ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT`, the task never run: it once proceeded, the lock tried for 1 ms.
   */
  private async execute<T>(terminal: string, lane: Lane, task: () => Promise<T>, queued: number, bound: WaitBound): Promise<T> {
    try {
      const left = bound.ms - (performance.now() - queued);
      if (left <= 0) throw queueTimeout(bound);
      return await (this.lock === undefined ? task() : this.lock.hold(terminal, task, left));
    } finally {
      const next = lane.waiting.shift();
      if (next === undefined) {
        lane.busy = false;
        this.lanes.delete(terminal);
      } else {
        this.queued -= 1;
        next.start();
      }
    }
  }
}
