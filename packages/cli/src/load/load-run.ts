/**
 * The shared state of one load run: its counters, its pacing clock (a fixed schedule at a rate, or as fast as answers
 * come back) and the outcomes of its requests, which every terminal (terminal.ts) takes its requests from.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { responseMti } from '@iso8583/codec';
import type { DialectVersion } from '@iso8583/codec';
import { purchaseMti } from './purchase.js';
import { LatencyHistogram } from './latency.js';
import type { LoadProgress } from './runner.js';

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
  /** Connections still open; the run ends early when none is left before its count or duration is used up. */
  open = 0;
  readonly latency = new LatencyHistogram();
  readonly outcomes: Record<string, number> = {};
  readonly started = performance.now();
  /**
   * The MTI of the only answer that matches a request: the codec's response MTI of the purchase of the dialect's
   * edition (0210 to a 1987 0200, 1210 to a 1993 1200).
   */
  readonly answerMti: string;
  private nextSlot: number;
  /** Aborted when the last connection is lost ({@link connectionLost}). */
  private readonly lost = new AbortController();
  /**
   * Aborted when the run is stopped or its last connection is lost: the run's own signal, which each loop waiting for
   * its slot listens to (one listener a loop, any number of them: no MaxListenersExceededWarning).
   */
  private readonly wake: AbortSignal;

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
    setMaxListeners(0, this.wake);
    this.answerMti = responseMti(purchaseMti(version)) as string;
  }

  /**
   * Takes the next request of the run and resolves with its number and the time it is due ({@link Taken}) once it is
   * (at once without a rate; on its slot at the configured rate), or with `undefined` when the count is used up or
   * the slot falls after the end of the duration, or the end of the duration has come (by the clock) before the slot
   * could be taken: the slots left before the end are then counted in {@link behindSchedule}, never sent late. At a
   * rate, latency counts from that due time: a request that waits behind a slow answer is late, and its wait is part
   * of what a terminal sees (no coordinated omission).
   */
  async take(): Promise<Taken | undefined> {
    if (this.count !== undefined && this.sequence >= this.count) return undefined;
    if (this.stopped()) return undefined;
    const now = performance.now();
    let slot = now;
    if (this.rate !== undefined) {
      // A fixed schedule: a slot missed (the host was slow) is sent at once, and stays the request's due time.
      slot = this.nextSlot;
      if (this.deadline !== undefined && slot < this.deadline && now >= this.deadline) {
        // The duration is over by the clock: the slots still due before its end are never sent (the count caps them).
        const due = Math.ceil(((this.deadline - slot) * this.rate) / 1000);
        this.behindSchedule += this.count === undefined ? due : Math.min(due, this.count - this.sequence);
        this.nextSlot = this.deadline;
        return undefined;
      }
      this.nextSlot = slot + 1000 / this.rate;
    }
    if (this.deadline !== undefined && slot >= this.deadline) return undefined;
    const sequence = ++this.sequence;
    const wait = slot - now;
    if (wait > 1) await this.sleep(wait);
    if (this.stopped()) return undefined;
    return { due: this.rate === undefined ? undefined : slot, sequence };
  }

  /**
   * Waits `ms` for a slot, or less when the run is stopped or its last connection is lost meanwhile: neither a Ctrl-C
   * nor a host that closed every connection waits for a slot no request will use.
   */
  private sleep(ms: number): Promise<void> {
    const wake = this.wake;
    // Already stopped or lost (an abort event is never sent twice): no wait at all.
    if (wake.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        wake.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake.addEventListener('abort', done, { once: true });
    });
  }

  /** A terminal's connection is gone: one fewer open; the last one wakes the requests waiting for their slot. */
  connectionLost(): void {
    this.open -= 1;
    if (this.open <= 0) this.lost.abort();
  }

  /** Whether the run was stopped (Ctrl-C): no request is taken any more. */
  stopped(): boolean {
    return this.stop?.aborted === true;
  }

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
