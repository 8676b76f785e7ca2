/**
 * The per-terminal queue (SocketQueue's TID queueing): requests of one card acceptor terminal (field 41) go to the
 * host one at a time, in the order they came; the others wait, bounded in number and in time.
 */
import { connectorError } from './errors.js';
import { deadlineError, timeLeft } from './timeouts.js';

/**
 * What holds a terminal beyond this process while one of its requests runs (e.g. a PostgreSQL advisory lock shared
 * by every node on one database, `PgTerminalLock`). Default: none (one at a time within the process only).
 */
export interface TerminalLock {
  /** Runs `task` while holding the terminal; its outcome is the task's. */
  hold<T>(terminal: string, task: () => Promise<T>): Promise<T>;
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
}

interface Lane {
  busy: boolean;
  waiting: Waiting[];
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
  ) {}

  /** Requests waiting (not yet started) across all terminals. */
  get waiting(): number {
    return this.queued;
  }

  /**
   * Runs `task` when the terminal's previous requests are done; its outcome is the task's. `deadline`: the request's
   * overall deadline (a `performance.now()` time), which ends the wait when it comes before `timeout`: the wait then
   * fails with `ISO8583_ERR_CONNECTOR_DEADLINE` (for the request of `mti`), else with
   * `ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT`. Default: none.
   */
  run<T>(terminal: string, task: () => Promise<T>, deadline?: number, mti = ''): Promise<T> {
    let lane = this.lanes.get(terminal);
    if (lane === undefined) {
      lane = { busy: false, waiting: [] };
      this.lanes.set(terminal, lane);
    }
    const current = lane;
    if (!current.busy) {
      current.busy = true;
      return this.execute(terminal, current, task);
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
    const byDeadline = left < this.timeout;
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = {
        start: () => {
          clearTimeout(entry.timer);
          this.execute(terminal, current, task).then(resolve, reject);
        },
        reject,
        timer: setTimeout(() => {
          const i = current.waiting.indexOf(entry);
          if (i >= 0) current.waiting.splice(i, 1);
          this.queued -= 1;
          reject(
            byDeadline
              ? deadlineError(mti)
              : connectorError('ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT', `waited ${this.timeout} ms in the queue of its terminal`, {
                  field: 'terminalQueue.timeout',
                }),
          );
        }, Math.min(this.timeout, left)),
      };
      current.waiting.push(entry);
      this.queued += 1;
    });
  }

  /** Fails every waiting request (on destroy). */
  rejectAll(err: Error): void {
    for (const lane of this.lanes.values()) {
      for (const entry of lane.waiting.splice(0)) {
        clearTimeout(entry.timer);
        this.queued -= 1;
        entry.reject(err);
      }
    }
  }

  private async execute<T>(terminal: string, lane: Lane, task: () => Promise<T>): Promise<T> {
    try {
      return await (this.lock === undefined ? task() : this.lock.hold(terminal, task));
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
