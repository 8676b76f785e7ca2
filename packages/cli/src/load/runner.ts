/**
 * The load generator: `clients` terminals, each on its own TCP or TLS connection, sending purchases (0200, or 1200
 * with a 1993 dialect) with the codec's pack and framing (a {@link MessageStream} per connection), matching answers
 * by STAN (field 11) on the connection, and measuring latency and outcomes. Plain message streams rather than the
 * connector, so that what is measured is the host and the wire.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createCodec, dialectVersion, isIso8583Error, resolveDialect } from '@iso8583/codec';
import type { Codec, Dialect, DialectVersion, FramingOptions, LengthHeader } from '@iso8583/codec';
import { cliError } from '../args.js';
import type { ClientTlsSettings } from '../flags.js';
import { purchaseMti, purchaseRequest, terminalId } from './purchase.js';
import type { InFlightRequest, LoadSummary } from './summary.js';
import type { MessageTracer } from '../trace.js';
import { CONNECT_STOPPED, connect } from './connect.js';
import { LoadRun } from './load-run.js';
import { LoadClient } from './terminal.js';

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
  /**
   * Requests in flight per client. Default 1 (a terminal waits for each answer). `clients x inFlight` (or the count, if
   * smaller) is at most {@link MAX_IN_FLIGHT_TOTAL}.
   */
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
  /** Whether the length leaves out the fixed header bytes (`headerBytes`), counting the message only. Default `false`. */
  lengthExcludesHeaderBytes?: boolean;
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
  /**
   * Called once the terminals are connected with a function that lists the requests written and still waiting for an
   * answer (what a second Ctrl-C leaves unreported: load.ts). Default: none.
   */
  onRunning?: (inFlight: () => InFlightRequest[]) => void;
}

/**
 * The most requests a run may have in flight at once: `clients x inFlight` (`--clients` x `--in-flight`), or the count
 * when it is smaller (a run never has more in flight than its requests). Each one waiting holds a timer and its
 * request: a product past it would run the load generator out of memory and time (its own stalls reported as the
 * host's latency) rather than load the host.
 */
export const MAX_IN_FLIGHT_TOTAL = 100_000;

/**
 * Refuses a run that could have more than {@link MAX_IN_FLIGHT_TOTAL} requests in flight: `ISO8583_ERR_CLI_OPTION`
 * naming both flags.
 */
function checkInFlight(clients: number, inFlight: number, count: number | undefined): void {
  if (Math.min(clients * inFlight, count ?? Infinity) <= MAX_IN_FLIGHT_TOTAL) return;
  throw cliError('ISO8583_ERR_CLI_OPTION',
    `--clients ${clients} x --in-flight ${inFlight} is ${clients * inFlight} requests in flight: at most ${MAX_IN_FLIGHT_TOTAL} (fewer terminals, or fewer requests in flight each)`,
    '--in-flight');
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
 * The terminal loops of a run (each sends one request at a time, so a terminal's loops are its requests in flight),
 * resolved when every one has ended. Never more than the requests of the count; loop k on terminal k mod n (each
 * terminal's first, then each one's second, ...). Without a rate each loop takes a request at once, so they all start
 * now. At a rate a terminal starts with one, and the schedule starts one more ({@link LoadRun.grow}) only for a slot due
 * while every loop waits for an answer: the loops are as many as the rate and the host's answer times need (about rate
 * x latency), not `clients x in-flight`.
 */
function runLoops(run: LoadRun, clients: LoadClient[], inFlight: number, count: number | undefined): Promise<void> {
  const n = clients.length;
  const most = Math.min(n * inFlight, count ?? Infinity);
  const first = run.rate === undefined ? most : Math.min(n, most);
  let running = 0;
  let started = 0;
  // The next turn: terminal `turn mod n`'s loop `turn / n + 1` (each terminal's second, then each one's third, ...).
  let turn = first;
  return new Promise<void>((resolve, reject) => {
    const start = (client: LoadClient): void => {
      started += 1;
      running += 1;
      client.work().then(() => {
        running -= 1;
        if (running === 0) resolve();
      }, reject);
    };
    for (let k = 0; k < first; k++) start(clients[k % n] as LoadClient);
    run.grow = () => {
      // A terminal whose connection is gone is passed over: its turns go to the next open one.
      while (turn < n * inFlight && started < most) {
        const client = clients[turn % n] as LoadClient;
        turn += 1;
        if (client.open) {
          start(client);
          return true;
        }
      }
      return false;
    };
    if (running === 0) resolve();
  });
}

/**
 * Runs a load against an ISO 8583 host and resolves to what was measured. Throws `ISO8583_ERR_CLI_OPTION` before
 * connecting when `clients x inFlight` (or the count, if smaller) is above {@link MAX_IN_FLIGHT_TOTAL} (naming
 * `--clients` and `--in-flight`) or the dialect cannot carry the purchase request (naming `--dialect`), and
 * `ISO8583_ERR_CLI_LOAD` when no client can connect. A stop (`options.stop`) while connecting ends the connects still pending at once: the run
 * goes on with those that connected, if any, and its summary says `interrupted`.
 */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const clients = options.clients ?? 10;
  const inFlight = options.inFlight ?? 1;
  const timeoutMs = options.timeoutMs ?? 10000;
  const count = options.durationMs === undefined ? (options.count ?? 1000) : options.count;
  checkInFlight(clients, inFlight, count);
  const dialect = resolveDialect(options.dialect ?? 'iso87ascii');
  const codec = createCodec(dialect);
  checkPurchase(codec, dialectVersion(dialect));
  const header = options.header ?? Buffer.alloc(0);
  const framing: FramingOptions = {
    lengthHeader: options.frame ?? 'binary2',
    lengthIncludesHeader: options.lengthIncludesHeader ?? false,
    lengthExcludesHeaderBytes: options.lengthExcludesHeaderBytes ?? false,
    headerBytes: options.headerBytes ?? header.length,
  };
  if (framing.lengthHeader === 'none') framing.measure = (bytes: Buffer) => codec.measure(bytes);
  const sendHeader = header.length === framing.headerBytes ? header : Buffer.alloc(framing.headerBytes ?? 0);

  // The connects listen to the run's own signal (one listener each, any number of them), which the stop aborts: no
  // MaxListenersExceededWarning on the caller's signal.
  const connecting = options.stop === undefined ? undefined : AbortSignal.any([options.stop]);
  if (connecting !== undefined) setMaxListeners(0, connecting);
  const connections = await Promise.allSettled(
    Array.from({ length: clients }, () => connect({ ...options, stop: connecting }, options.connectTimeoutMs ?? 5000)),
  );
  const sockets = connections.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
  // Connects the stop ended are not failures of the host.
  const failures = connections.filter((c) => c.status === 'rejected' && (c.reason as { code?: unknown } | undefined)?.code !== CONNECT_STOPPED);
  if (sockets.length === 0 && options.stop?.aborted !== true) {
    const first = failures[0] as PromiseRejectedResult | undefined;
    const { code, detail } = (first?.reason ?? {}) as { code?: unknown; detail?: unknown };
    const reason = typeof code !== 'string' ? '' : typeof detail === 'string' ? ` (${code}: ${detail})` : ` (${code})`;
    throw cliError('ISO8583_ERR_CLI_LOAD', `no client could connect to ${options.host ?? '127.0.0.1'}:${options.port}${reason}`);
  }
  const run = new LoadRun(dialectVersion(dialect), count, options.durationMs === undefined ? undefined : performance.now() + options.durationMs,
    options.rate, options.stop);
  const peer = `${options.host ?? '127.0.0.1'}:${options.port}`;
  run.open = sockets.length;
  const loadClients = sockets.map((s, i) => new LoadClient(s, i, run, codec, framing, sendHeader, timeoutMs, options.tracer, peer));
  options.onRunning?.(() => loadClients.flatMap((c) => c.waitingRequests()));
  const ticker = options.onProgress
    ? setInterval(() => options.onProgress?.(run.progress()), 1000)
    : undefined;
  try {
    await runLoops(run, loadClients, inFlight, count);
  } finally {
    if (ticker) clearInterval(ticker);
    run.release();
    for (const c of loadClients) c.close();
  }
  // The connections lost before the end: closed by the host (at accept, say, a host at its connection limit), reset,
  // or cut by the load for a broken framing. The run's own close (LoadClient.close: an end) closes none before the
  // summary, its 'close' events coming in later turns, none of which has run since the loops ended.
  const lostConnections = sockets.length - run.open;
  const ended = performance.now();
  const durationMs = ended - run.started;
  const interrupted = options.stop?.aborted === true;
  // Every connection lost before the count was used up or the duration was over (not a Ctrl-C).
  const endedEarly = !interrupted && run.open === 0 &&
    (count !== undefined ? run.sequence < count || run.unwritten > 0 : ended < (run.deadline ?? Infinity));
  return {
    clients: sockets.length,
    connectFailures: failures.length,
    lostConnections,
    sent: run.sent,
    // With a count, what was asked for and not written; with a duration, or interrupted (what the stop left unsent is
    // not counted), the requests taken and not written. Slots the host's pace left no time for before the end of the
    // duration are among them.
    notSent: count !== undefined && !interrupted ? count - run.sent : run.unwritten + run.behindSchedule,
    ...(run.behindSchedule > 0 ? { behindSchedule: run.behindSchedule } : {}),
    answered: run.answered,
    unmatched: run.unmatched,
    undecodable: run.undecodable,
    ...(endedEarly ? { endedEarly: true } : {}),
    durationMs,
    tps: durationMs > 0 ? (run.answered * 1000) / durationMs : 0,
    latencyMs: run.answered > 0 ? run.latency.summary() : null,
    outcomes: run.outcomes,
    ...(run.unanswered.length > 0 ? { unanswered: run.unanswered } : {}),
    ...(interrupted ? { interrupted: true } : {}),
  };
}
