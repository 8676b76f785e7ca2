/**
 * The load generator: `clients` terminals, each on its own TCP or TLS connection, sending purchases (0200, or 1200
 * with a 1993 dialect) with the codec's pack and framing (a {@link MessageStream} per connection), matching answers
 * by STAN (field 11) on the connection, and measuring latency and outcomes. Plain message streams rather than the
 * connector, so that what is measured is the host and the wire.
 */
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { createCodec, dialectVersion, isIso8583Error, MessageStream, recoverFields, resolveDialect, responseMti } from '@iso8583/codec';
import type { Codec, Dialect, DialectVersion, Frame, FramingOptions, IsoMessage, LengthHeader } from '@iso8583/codec';
import { cliError } from '../args.js';
import type { ClientTlsSettings } from '../flags.js';
import { nextStan, purchaseMti, purchaseRequest, terminalId } from './purchase.js';
import { LatencyHistogram } from './latency.js';
import type { LoadSummary } from './summary.js';
import type { MessageTracer } from '../trace.js';

/** Progress of a running load, reported about once a second. */
export interface LoadProgress {
  /** Requests written so far. */
  sent: number;
  /** Requests answered so far. */
  answered: number;
  /** Requests that ended without an answer so far (timeout, connection lost, error). */
  failed: number;
  /** Milliseconds since the first request. */
  elapsedMs: number;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** The host to load. Default `127.0.0.1`. */
  host?: string;
  /** The port of the host. Required. */
  port: number;
  /** Connections (terminals), each with its own field 41. Default 10. */
  clients?: number;
  /** Total requests to send. Default 1000 when `durationMs` is not given either. */
  count?: number;
  /** Send for this long instead of a count (milliseconds). Default: none (count decides). */
  durationMs?: number;
  /** Total requests per second across all clients. Default: as fast as answers come back. */
  rate?: number;
  /** Requests in flight per client. Default 1 (a terminal waits for each answer). */
  inFlight?: number;
  /** How long to wait for each answer, in milliseconds. Default 10000. */
  timeoutMs?: number;
  /** How long to wait for each connection, in milliseconds. Default 5000. */
  connectTimeoutMs?: number;
  /**
   * The dialect (object, built-in name or file path); its edition (`version`) picks the purchase: 0200 (1987) or 1200
   * (1993). Default `iso87ascii`.
   */
  dialect?: Dialect | string;
  /** The length header on the wire. Default `binary2`. */
  frame?: LengthHeader;
  /** Whether the length counts its own bytes. Default `false`. */
  lengthIncludesHeader?: boolean;
  /** Fixed header bytes sent before each message (e.g. a TPDU). Default: none. */
  header?: Buffer;
  /** Fixed header bytes expected before each answer. Default: the length of `header`, else 0. */
  headerBytes?: number;
  /** TLS settings; absent for plain TCP. Default: plain TCP. */
  tls?: ClientTlsSettings;
  /** Called about once a second with the progress. Default: none. */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Stops the run when aborted (Ctrl-C): no new request is sent, the requests in flight are waited for (each up to
   * `timeoutMs`), and the summary says `interrupted`. Default: none (the run goes to its count or duration).
   */
  stop?: AbortSignal;
  /** Logs each request and answer (`--log-messages`, `debug`, `trace`). Default: none. */
  tracer?: MessageTracer;
}

interface Pending {
  timer: NodeJS.Timeout;
  resolve: (outcome: string) => void;
  /** When the request was written (`performance.now()`), for the trace of its answer. */
  written: number;
}

/** The shared state of one run: counters, the pacing clock and the outcomes. */
class LoadRun {
  sent = 0;
  answered = 0;
  failed = 0;
  sequence = 0;
  /** Requests taken from the run whose connection was lost before they could be written. */
  unwritten = 0;
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

  constructor(
    /** The edition of the dialect: the purchases are 0200 (1987) or 1200 (1993). */
    readonly version: DialectVersion,
    readonly count: number | undefined,
    readonly deadline: number | undefined,
    readonly rate: number | undefined,
    readonly stop?: AbortSignal,
  ) {
    this.nextSlot = this.started;
    this.answerMti = responseMti(purchaseMti(version)) as string;
  }

  /**
   * Takes the next request of the run and resolves with the time it is due (`performance.now()` scale) once it is
   * (at once without a rate; on its slot at the configured rate), or with `undefined` when the count is used up or
   * the slot falls after the end of the duration. Latency counts from that due time: a request that waits behind a
   * slow answer is late, and its wait is part of what a terminal sees (no coordinated omission).
   */
  async take(): Promise<number | undefined> {
    if (this.count !== undefined && this.sequence >= this.count) return undefined;
    if (this.stopped()) return undefined;
    const now = performance.now();
    let slot = now;
    if (this.rate !== undefined) {
      // A fixed schedule: a slot missed (the host was slow) is sent at once, and stays the request's due time.
      slot = this.nextSlot;
      this.nextSlot = slot + 1000 / this.rate;
    }
    if (this.deadline !== undefined && slot >= this.deadline) return undefined;
    this.sequence += 1;
    const wait = slot - now;
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    if (this.stopped()) return undefined;
    return slot;
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

/** One terminal: a connection, its STAN counter and the requests waiting for an answer keyed by STAN. */
class LoadClient {
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
      closed: () => {
        this.closed = true;
        run.open -= 1;
        for (const [stan, p] of this.pending) {
          clearTimeout(p.timer);
          this.pending.delete(stan);
          p.resolve('closed');
        }
      },
    });
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
    this.settle(match.stan, match.p, typeof code === 'string' ? code : 'no-39');
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

  /** Sends requests while the run has some left; `inFlight` of these loops run per client. */
  async work(): Promise<void> {
    const run = this.run;
    while (!this.closed) {
      const due = await run.take();
      if (due === undefined) break;
      if (this.closed) {
        run.unwritten += 1; // taken, never written: not sent, and no outcome
        break;
      }
      this.stan = nextStan(this.stan);
      const stan = String(this.stan).padStart(6, '0');
      // The dialect carries the purchase: runLoad packed one before connecting (checkPurchase).
      const request = purchaseRequest(this.terminal, this.stan, run.sequence, new Date(), run.version);
      const wire = this.stream.frameOf(request, this.header);
      // From the due time, or from now when it is queued a little early (a wait under 1 ms is not slept). The write
      // itself goes out at the end of this tick, joined with the other requests queued in it.
      const from = Math.min(due, performance.now());
      const outcome = await new Promise<string>((resolve) => {
        const timer = setTimeout(() => {
          this.pending.delete(stan);
          resolve('timeout');
        }, this.timeoutMs);
        this.pending.set(stan, { timer, resolve, written: performance.now() });
        run.sent += 1;
        if (this.tracer?.enabled === true) this.tracer.message('out', request, { side: 'host', peer: this.peer });
        this.stream.write(wire);
      });
      // No answer (timeout, closed) or none that could be read (error): not answered, no latency.
      if (outcome === 'timeout' || outcome === 'closed' || outcome === 'error') run.record(outcome);
      else run.record(outcome, performance.now() - from);
    }
  }

  close(): void {
    this.stream.end();
    (this.stream.stream as net.Socket).unref();
  }
}

function connect(options: LoadOptions, connectTimeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const host = options.host ?? '127.0.0.1';
    const socket = options.tls
      ? tls.connect({ host, port: options.port, ...options.tls, servername: options.tls.servername ?? (net.isIP(host) ? undefined : host) })
      : net.connect({ host, port: options.port });
    // A host that accepts and never completes the TLS handshake (a plain TCP port, say) ends here too.
    const what = options.tls ? 'no connection or TLS handshake' : 'no connection';
    const timer = setTimeout(() => {
      socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT', detail: `${what} within ${connectTimeoutMs} ms` }));
    }, connectTimeoutMs);
    const ready = options.tls ? 'secureConnect' : 'connect';
    socket.once(ready, () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Refuses a dialect that cannot carry the load's purchase (a field 41 or 42 of type n, say) before any connection
 * opens: `ISO8583_ERR_CLI_OPTION` naming `--dialect`, the purchase's MTI and the codec's reasons (field numbers and
 * rules, never a value).
 */
function checkPurchase(codec: Codec, version: DialectVersion): void {
  try {
    codec.pack(purchaseRequest(terminalId(0), 1, 0, new Date(), version));
  } catch (err) {
    if (!isIso8583Error(err)) throw err;
    throw cliError('ISO8583_ERR_CLI_OPTION',
      `--dialect ${codec.dialect.name}: the load's ${purchaseMti(version)} purchase cannot be packed in it: ${err.message}`, '--dialect');
  }
}

/**
 * Runs a load against an ISO 8583 host and resolves to what was measured. Throws `ISO8583_ERR_CLI_OPTION` (naming
 * `--dialect`) before connecting when the dialect cannot carry the purchase request, and `ISO8583_ERR_CLI_LOAD` when
 * no client can connect.
 */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const clients = options.clients ?? 10;
  const inFlight = options.inFlight ?? 1;
  const timeoutMs = options.timeoutMs ?? 10000;
  const dialect = resolveDialect(options.dialect ?? 'iso87ascii');
  const codec = createCodec(dialect);
  checkPurchase(codec, dialectVersion(dialect));
  const header = options.header ?? Buffer.alloc(0);
  const framing: FramingOptions = {
    lengthHeader: options.frame ?? 'binary2',
    lengthIncludesHeader: options.lengthIncludesHeader ?? false,
    headerBytes: options.headerBytes ?? header.length,
  };
  if (framing.lengthHeader === 'none') framing.measure = (bytes: Buffer) => codec.measure(bytes);
  const sendHeader = header.length === framing.headerBytes ? header : Buffer.alloc(framing.headerBytes ?? 0);

  const connections = await Promise.allSettled(
    Array.from({ length: clients }, () => connect(options, options.connectTimeoutMs ?? 5000)),
  );
  const sockets = connections.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
  if (sockets.length === 0) {
    const first = connections.find((c) => c.status === 'rejected') as PromiseRejectedResult | undefined;
    const { code, detail } = (first?.reason ?? {}) as { code?: unknown; detail?: unknown };
    const reason = typeof code !== 'string' ? '' : typeof detail === 'string' ? ` (${code}: ${detail})` : ` (${code})`;
    throw cliError('ISO8583_ERR_CLI_LOAD', `no client could connect to ${options.host ?? '127.0.0.1'}:${options.port}${reason}`);
  }
  const count = options.durationMs === undefined ? (options.count ?? 1000) : options.count;
  const run = new LoadRun(dialectVersion(dialect), count, options.durationMs === undefined ? undefined : performance.now() + options.durationMs,
    options.rate, options.stop);
  const peer = `${options.host ?? '127.0.0.1'}:${options.port}`;
  run.open = sockets.length;
  const loadClients = sockets.map((s, i) => new LoadClient(s, i, run, codec, framing, sendHeader, timeoutMs, options.tracer, peer));
  const ticker = options.onProgress
    ? setInterval(() => options.onProgress?.(run.progress()), 1000)
    : undefined;
  try {
    await Promise.all(loadClients.flatMap((c) => Array.from({ length: inFlight }, () => c.work())));
  } finally {
    if (ticker) clearInterval(ticker);
    for (const c of loadClients) c.close();
  }
  const ended = performance.now();
  const durationMs = ended - run.started;
  const interrupted = options.stop?.aborted === true;
  // Every connection lost before the count was used up or the duration was over (not a Ctrl-C).
  const endedEarly = !interrupted && run.open === 0 &&
    (count !== undefined ? run.sequence < count || run.unwritten > 0 : ended < (run.deadline ?? Infinity));
  return {
    clients: sockets.length,
    connectFailures: clients - sockets.length,
    sent: run.sent,
    // With a count, what was asked for and not written; with a duration, the requests taken and not written.
    notSent: count !== undefined && !interrupted ? count - run.sent : run.unwritten,
    answered: run.answered,
    unmatched: run.unmatched,
    undecodable: run.undecodable,
    ...(endedEarly ? { endedEarly: true } : {}),
    durationMs,
    tps: durationMs > 0 ? (run.answered * 1000) / durationMs : 0,
    latencyMs: run.answered > 0 ? run.latency.summary() : null,
    outcomes: run.outcomes,
    ...(interrupted ? { interrupted: true } : {}),
  };
}
