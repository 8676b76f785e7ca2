/**
 * The shared state of one load run: its counters, its pacing clock (a fixed schedule at a rate, or as fast as answers
 * come back) and the outcomes of its requests, which every terminal (terminal.ts) takes its requests from.
 */
import { performance } from 'node:perf_hooks';
import { responseMti } from '@iso8583/codec';
import type { DialectVersion } from '@iso8583/codec';
import { purchaseMti } from './purchase.js';
import { LatencyHistogram } from './latency.js';
import type { LoadProgress } from './runner.js';
import { MAX_UNANSWERED_LISTED } from './summary.js';
import type { UnansweredRequest } from './summary.js';

/** A request taken from the run ({@link LoadRun.take}). */
export interface Taken {
  /**
   * When it is due on the `--rate` schedule (`performance.now()` scale): its latency counts from then (a request late
   * behind a slow answer counts its wait). Undefined without a rate: its latency counts from its write.
   */
  due: number | undefined;
  /** Its number in the run (1, 2, ...), which picks its card and amount: its own, not the run's count at write time. */
  sequence: number;
}

/** A terminal loop waiting for a `--rate` slot: whether its connection can still take one, and its wake-up. */
interface Waiter {
  alive: () => boolean;
  resolve: (taken: Taken | undefined) => void;
}

/** The shared state of one run: counters, the pacing clock and the outcomes. */
export class LoadRun {
  sent = 0;
  answered = 0;
  failed = 0;
  /** Requests taken so far (the number of the last one taken). */
  sequence = 0;
  /** Requests taken from the run whose connection was lost before they could be written. */
  unwritten = 0;
  /**
   * Slots of the `--rate` schedule due before the end of the duration that no terminal was free to take before that
   * end (the host answered slower than the rate): never sent, not sent late after the end.
   */
  behindSchedule = 0;
  /** Answers that decoded but matched no request waiting (another MTI than 0210/1210, an unknown, late or repeated STAN). */
  unmatched = 0;
  /** Frames that did not decode and named no request waiting (no readable answer MTI and STAN). */
  undecodable = 0;
  /**
   * Connections still open; the run ends early when none is left before its count or duration is used up. Once the
   * loops have ended, the connections less this are those lost before the end (runner.ts `lostConnections`).
   */
  open = 0;
  readonly latency = new LatencyHistogram();
  readonly outcomes: Record<string, number> = {};
  /** The first {@link MAX_UNANSWERED_LISTED} requests written that got no answer the run could read ({@link notAnswered}). */
  readonly unanswered: UnansweredRequest[] = [];
  readonly started = performance.now();
  /**
   * The MTI of the only answer that matches a request: the codec's response MTI of the purchase of the dialect's
   * edition (0210 to a 1987 0200, 1210 to a 1993 1200).
   */
  readonly answerMti: string;
  private nextSlot: number;
  /** Aborted when the last connection is lost ({@link connectionLost}). */
  private readonly lost = new AbortController();
  /** Aborted when the run is stopped or its last connection is lost: the schedule then releases the loops waiting. */
  private readonly wake: AbortSignal;
  /**
   * The loops waiting for a `--rate` slot, oldest first from `head` (an indexed queue: taking the oldest is not a copy
   * of the array, whatever the number of loops).
   */
  private waiters: Waiter[] = [];
  private head = 0;
  /** The schedule's one timer: the next slot's due time. */
  private timer: NodeJS.Timeout | undefined;
  /** The schedule is running: a loop it starts ({@link grow}) queues its take for it, without a schedule of its own. */
  private scheduling = false;
  /**
   * At a rate, starts one more terminal loop when a slot is due and no loop is free (runner.ts): whether one was started
   * (none when every terminal open has its `--in-flight` loops). The loops are started as the schedule needs them, not
   * `clients x in-flight` up front: at a slow rate a terminal keeps one loop. Default: none (no loop is started).
   */
  grow: () => boolean = () => false;

  constructor(
    /** The edition of the dialect: the purchases are 0200 (1987) or 1200 (1993). */
    readonly version: DialectVersion,
    readonly count: number | undefined,
    readonly deadline: number | undefined,
    readonly rate: number | undefined,
    readonly stop?: AbortSignal,
  ) {
    this.nextSlot = this.started;
    this.wake = stop === undefined ? this.lost.signal : AbortSignal.any([this.lost.signal, stop]);
    // One listener: a Ctrl-C, or a host that closed every connection, does not wait for a slot no request will use.
    if (rate !== undefined) this.wake.addEventListener('abort', () => this.schedule(), { once: true });
    this.answerMti = responseMti(purchaseMti(version)) as string;
  }

  /**
   * Takes the next request of the run and resolves with its number and the time it is due ({@link Taken}) once it is
   * (at once without a rate; on its slot at the configured rate), or with `undefined` when the count is used up, the
   * run is stopped or has lost its last connection, the next slot falls after the end of the duration, or the end of
   * the duration has come (by the clock) before a slot could be taken: the slots left before the end are then counted
   * in {@link behindSchedule}, never sent late. At a rate, one schedule hands each slot, once due, to the terminal
   * loop that has waited longest and is `alive` (a loop whose connection is gone gets `undefined`, its slot goes to the
   * next): every terminal takes its turn, and no slot is lost to a closed connection while another terminal is free.
   * Latency counts from the due time: a request that waits behind a slow answer is late, and its wait is part of what
   * a terminal sees (no coordinated omission).
   */
  take(alive: () => boolean = () => true): Promise<Taken | undefined> {
    if (this.ended()) return Promise.resolve(undefined);
    if (this.rate === undefined) {
      if (this.deadline !== undefined && performance.now() >= this.deadline) return Promise.resolve(undefined);
      return Promise.resolve({ due: undefined, sequence: ++this.sequence });
    }
    return new Promise((resolve) => {
      this.waiters.push({ alive, resolve });
      // A timer set is the next slot's: this loop waits for it with the others (one timer for every take, not one
      // each). A loop the schedule itself started is served by the schedule running.
      if (this.timer === undefined && !this.scheduling) this.schedule();
    });
  }

  /** The oldest loop waiting for a slot, taken from the queue; undefined when none waits. */
  private nextWaiter(): Waiter | undefined {
    if (this.head >= this.waiters.length) return undefined;
    const waiter = this.waiters[this.head++];
    if (this.head >= this.waiters.length) {
      this.waiters = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
    return waiter;
  }

  /** The count is used up, or the run stopped (Ctrl-C) or lost its last connection: nothing more is taken. */
  private ended(): boolean {
    return (this.count !== undefined && this.sequence >= this.count) || this.wake.aborted;
  }

  /**
   * The `--rate` schedule: hands the slots due to the loops waiting, oldest first, starts a loop ({@link grow}) for a
   * slot due when none waits, and sets one timer for the next slot. A slot missed (every loop was waiting for an answer
   * and no more could be started) is handed at once when a loop is free, and stays the request's due time.
   */
  private readonly schedule = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduling = true;
    try {
      this.hand();
    } finally {
      this.scheduling = false;
    }
  };

  private hand(): void {
    const rate = this.rate as number;
    const deadline = this.deadline ?? Infinity;
    for (;;) {
      const slot = this.nextSlot;
      if (this.ended() || slot >= deadline) return this.release();
      const now = performance.now();
      const waiting = this.waiters.length - this.head;
      if (now >= deadline) {
        // The loop free next counts the slots left (every loop is waiting for an answer).
        if (waiting === 0) return;
        // The duration is over by the clock: the slots still due before its end are never sent (the count caps them).
        const due = Math.ceil(((deadline - slot) * rate) / 1000);
        this.behindSchedule += this.count === undefined ? due : Math.min(due, this.count - this.sequence);
        this.nextSlot = deadline;
        return this.release();
      }
      // A wait under 1 ms is not slept. The timer wakes the loops waiting, or starts one for the slot.
      if (slot - now > 1) {
        this.timer = setTimeout(this.schedule, slot - now);
        return;
      }
      // No loop free: one more is started (its take joins the queue), else the next loop free takes the slot late.
      if (waiting === 0 && !this.grow()) return;
      const waiter = this.nextWaiter();
      if (waiter === undefined) return;
      if (!waiter.alive()) {
        waiter.resolve(undefined);
        continue;
      }
      this.nextSlot = slot + 1000 / rate;
      waiter.resolve({ due: slot, sequence: ++this.sequence });
    }
  }

  /** Every loop waiting for a slot gets `undefined`, and the timer is cleared: the run takes no more. */
  release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = this.waiters.slice(this.head);
    this.waiters = [];
    this.head = 0;
    for (const waiter of waiting) waiter.resolve(undefined);
  }

  /** A terminal's connection is gone: one fewer open; the last one wakes the requests waiting for their slot. */
  connectionLost(): void {
    this.open -= 1;
    if (this.open <= 0) this.lost.abort();
  }

  /**
   * A request written that got no answer the run could read: its outcome counted, and the request listed (the first
   * {@link MAX_UNANSWERED_LISTED}) for a reconciliation, as the load sends no reversal.
   */
  notAnswered(request: UnansweredRequest): void {
    this.record(request.outcome);
    if (this.unanswered.length < MAX_UNANSWERED_LISTED) this.unanswered.push(request);
  }

  /** A request's outcome: a response code with its latency, or without one one of `NOT_ANSWERED` (summary.ts). */
  record(outcome: string, latency?: number): void {
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    if (latency !== undefined) {
      this.answered += 1;
      this.latency.record(latency);
    } else this.failed += 1;
  }

  progress(): LoadProgress {
    return { sent: this.sent, answered: this.answered, failed: this.failed, elapsedMs: performance.now() - this.started };
  }
}
