/**
 * One terminal of a load run: its connection (a {@link MessageStream}), its STAN counter and the requests waiting for
 * an answer, matched by STAN (field 11) and the purchase's answer MTI.
 */
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { isIso8583Error, MessageStream, recoverFields, responseCodeLabel } from '@iso8583/codec';
import type { Codec, Frame, FramingOptions, IsoMessage } from '@iso8583/codec';
import { nextStan, purchaseRequest, terminalId } from './purchase.js';
import type { LoadRun } from './load-run.js';
import { isNotAnswered } from './summary.js';
import type { InFlightRequest } from './summary.js';
import type { MessageTracer } from '../trace.js';

/** The end of a request whose frame never reached the socket ({@link LoadClient.unsent}): not an outcome. */
const UNSENT = '\u0000unsent';

interface Pending {
  timer: NodeJS.Timeout;
  resolve: (outcome: string) => void;
  /** When the request was written (`performance.now()`), for the trace of its answer. */
  written: number;
  /** Its transmission date and time, field 7: with the terminal and STAN, what names it to the host. */
  transmission: string;
}

/** One terminal: a connection, its STAN counter and the requests waiting for an answer keyed by STAN. */
export class LoadClient {
  private stan = 0;
  private readonly pending = new Map<string, Pending>();
  private closed = false;
  private readonly terminal: string;
  private readonly stream: MessageStream;

  constructor(
    socket: net.Socket,
    index: number,
    private readonly run: LoadRun,
    private readonly codec: Codec,
    framing: FramingOptions,
    private readonly header: Buffer,
    private readonly timeoutMs: number,
    private readonly tracer?: MessageTracer,
    private readonly peer = '',
  ) {
    this.terminal = terminalId(index);
    this.stream = new MessageStream(socket, { framing, codec }, {
      frame: (frame) => this.answer(frame),
      // Broken framing: nothing more can be matched on this connection; its requests end as 'closed'.
      broken: () => this.stream.destroy(),
      closed: () => this.lost(),
    });
    // Closed before this terminal was built (the host closed it while other terminals were still connecting): its
    // 'close' has come and gone, so it takes the closed path now. One destroyed and not yet closed gets its event.
    if (socket.closed) this.lost();
  }

  /** The connection is gone (once): one fewer open in the run; the requests waiting for an answer end as `closed`. */
  private lost(): void {
    if (this.closed) return;
    this.closed = true;
    this.run.connectionLost();
    for (const [stan, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(stan);
      p.resolve('closed');
    }
  }

  /** The request waiting for `answer`: its MTI is the purchase's answer (0210, 1210) and its STAN one still waiting. */
  private waiting(answer: IsoMessage): { stan: string; p: Pending } | undefined {
    const stan = answer['11'];
    if (answer['0'] !== this.run.answerMti || typeof stan !== 'string') return undefined;
    const p = this.pending.get(stan);
    return p === undefined ? undefined : { stan, p };
  }

  private settle(stan: string, p: Pending, outcome: string): void {
    this.pending.delete(stan);
    clearTimeout(p.timer);
    p.resolve(outcome);
  }

  private answer(frame: Frame): void {
    let answer: IsoMessage;
    try {
      answer = this.stream.decode(frame).message;
    } catch (err) {
      this.undecodable(frame, err);
      return;
    }
    const match = this.waiting(answer);
    if (this.tracer?.enabled === true) {
      const latency = match === undefined ? {} : { latencyMs: performance.now() - match.p.written };
      this.tracer.message('in', answer, { side: 'host', peer: this.peer, ...latency });
    }
    if (match === undefined) {
      this.run.unmatched += 1; // another MTI, or a late, repeated or unknown STAN
      return;
    }
    const code = answer['39'];
    // A host's 39 may be anything, even card data: bounded as the metric labels are, so it never shows as an outcome key.
    this.settle(match.stan, match.p, responseCodeLabel(code, 'no-39'));
  }

  /**
   * An answer that does not decode: its request ends at once as `error` when the codec can still read a 0210 (1210)
   * MTI and a waiting STAN from it (the host answered, what it answered is unknown); otherwise it is counted apart.
   */
  private undecodable(frame: Frame, err: unknown): void {
    const failed = isIso8583Error(err) ? err.field : undefined;
    const recovered = recoverFields(this.codec, frame.payload, failed);
    const match = recovered === undefined ? undefined : this.waiting(recovered);
    if (match === undefined) this.run.undecodable += 1;
    else this.settle(match.stan, match.p, 'error');
  }

  /**
   * The request's frame never reached the socket (the stream's `dropped`: the connection closed, or was closed, before
   * the end-of-tick write, or the write failed): it was never sent, and has no outcome. Counted as taken and not written,
   * as a request whose connection was lost before its write. One already ended (an answer, a timeout, `closed`) stays so.
   */
  private unsent(stan: string, p: Pending): void {
    if (this.pending.get(stan) !== p) return;
    this.run.sent -= 1;
    this.run.unwritten += 1;
    this.settle(stan, p, UNSENT);
  }

  /** The requests written and still waiting for an answer: terminal, STAN and field 7 each (no card data). */
  waitingRequests(): InFlightRequest[] {
    return Array.from(this.pending, ([stan, p]) => ({ terminal: this.terminal, stan, transmission: p.transmission }));
  }

  /** Whether the connection can still take a request: not closed, nor closing. */
  get open(): boolean {
    return !this.closed && this.stream.writable;
  }

  /** Sends requests while the run has some left; `inFlight` of these loops run per client. */
  async work(): Promise<void> {
    const run = this.run;
    while (!this.closed) {
      const taken = await run.take(() => this.open);
      if (taken === undefined) break;
      // Closed, or closing (destroyed, ended: its 'close' is still to come): a write would be dropped.
      if (this.closed || !this.stream.writable) {
        run.unwritten += 1; // taken, never written: not sent, and no outcome
        break;
      }
      // The next STAN not still waiting on this connection: after the wrap at 999999, a request that has waited that
      // long keeps its STAN (its late answer is its own, and a host never sees one STAN twice in flight).
      let stan: string;
      do {
        this.stan = nextStan(this.stan);
        stan = String(this.stan).padStart(6, '0');
      } while (this.pending.has(stan));
      // The dialect carries the purchase: runLoad packed one before connecting (checkPurchase).
      const request = purchaseRequest(this.terminal, this.stan, taken.sequence, new Date(), run.version);
      const wire = this.stream.frameOf(request, this.header);
      // At a rate, from the due time, or from now when it is queued a little early (a wait under 1 ms is not slept);
      // without one, from now: the write. The write itself goes out at the end of this tick, joined with the other
      // requests queued in it.
      const from = Math.min(taken.due ?? Infinity, performance.now());
      const outcome = await new Promise<string>((resolve) => {
        const timer = setTimeout(() => {
          this.pending.delete(stan);
          resolve('timeout');
        }, this.timeoutMs);
        const pending: Pending = { timer, resolve, written: performance.now(), transmission: request['7'] as string };
        this.pending.set(stan, pending);
        run.sent += 1;
        if (this.tracer?.enabled === true) this.tracer.message('out', request, { side: 'host', peer: this.peer });
        this.stream.write(wire, () => this.unsent(stan, pending));
      });
      if (outcome === UNSENT) break;
      // No answer (timeout, closed) or none that could be read (error): not answered, no latency.
      if (isNotAnswered(outcome)) {
        run.notAnswered({ terminal: this.terminal, stan, transmission: request['7'] as string, amount: request['4'] as string, outcome });
      } else run.record(outcome, performance.now() - from);
    }
  }

  close(): void {
    this.stream.end();
    (this.stream.stream as net.Socket).unref();
  }
}
