/**
 * The inbound endpoint's public face: the {@link InboundEndpoint} interface, its events and what they carry, and the
 * options of `close`. The endpoint itself (listening, admission, closing) is in endpoint.ts.
 */
import type { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { InboundErrorCode } from './errors.js';
import type { InboundStats } from './metrics.js';
import type { ResolvedInboundOptions } from './options.js';

/** Options of {@link InboundEndpoint.close}. */
export interface CloseOptions {
  /**
   * Milliseconds to wait for the messages in flight to be answered and the clients to leave; then every connection
   * left is destroyed. From 0 to 2147483647 (the longest a timer can wait); any other value (`Infinity`, `NaN`, a
   * negative number, a string) is refused: `close` rejects with `ISO8583_ERR_INBOUND_OPTIONS`, field `deadline`, and
   * nothing closes. Default 10000.
   */
  deadline?: number;
}

/** A client connection as the endpoint's events show it. */
export interface ConnectionInfo {
  /** The connection's number within the endpoint (as in its log lines, `connection`). */
  id: number;
  /** The client's IP address. */
  remoteAddress: string;
  /** The client's port. */
  remotePort: number;
}

/** A connection that has closed. */
export interface DisconnectInfo extends ConnectionInfo {
  /**
   * Why it closed (`ISO8583_ERR_INBOUND_IDLE_TIMEOUT`, `_READ_TIMEOUT`, `_FIRST_MESSAGE_TIMEOUT`, `_EVICTED`,
   * `_FRAMING`, `_FORMAT_ERRORS`, `_SOCKET`: a socket error, a client's reset included); absent when the client
   * closed its side (FIN), or the endpoint closed or was destroyed.
   */
  code?: InboundErrorCode;
}

/** The events of an {@link InboundEndpoint} and their arguments. */
export interface InboundEndpointEvents {
  /**
   * Listening, on this address. A listener that throws is counted and logged, as for `connection`: `start()` still
   * resolves with the address.
   */
  listening: [address: AddressInfo];
  /**
   * A client connection is open (TLS: after its handshake). A listener that throws is counted and logged
   * (`ISO8583_ERR_INBOUND_INTERNAL`, its code only; at most 20 lines a second for each event, the next one saying how
   * many were left out: `suppressed`), never passed on.
   */
  connection: [info: ConnectionInfo];
  /** A client connection has closed. A listener that throws is counted and logged, as for `connection`. */
  disconnect: [info: DisconnectInfo];
  /**
   * The endpoint has closed (after `close()` or `destroy()`). A listener that throws is counted and logged, as for
   * `connection`: `close()` still resolves.
   */
  close: [];
  /**
   * A listener failure after start; emitted only when someone listens, otherwise logged. A listener that throws is
   * counted and logged, as for `connection`.
   */
  error: [err: Error];
}

/**
 * A listening ISO 8583 endpoint, with typed events (see {@link InboundEndpointEvents}). The lifecycle is the
 * connector's: `start()`, then `close()` drains or `destroy()` aborts; both are idempotent and return a promise.
 */
export interface InboundEndpoint extends EventEmitter<InboundEndpointEvents> {
  /** The endpoint's name (option `name`). */
  readonly name: string;
  /**
   * The prom-client Registry holding the endpoint's metrics (its own unless the `registry` option gave one). Its own is
   * made when this is first read (prom-client loads then); it shows every count made since the start.
   */
  readonly registry: Registry;
  /** The options after validation, with their defaults; frozen. */
  readonly options: ResolvedInboundOptions;
  /** Loads the sequences and starts listening; resolves with the bound address. Calling it again returns the same promise. */
  start(): Promise<AddressInfo>;
  /**
   * Drains: stops accepting, lets the messages in flight be answered and their replies written, then closes every
   * connection; connections still open at the deadline are destroyed. It resolves once the sequences still running
   * have ended, or at the deadline: the `context.signal` of each one still running then (and of each onError) is
   * aborted with `ISO8583_ERR_INBOUND_CLOSED`, so that what it started with the signal stops (a connector request, a
   * timer) and the process can exit. Idempotent: every call returns the same promise (after `destroy()`, its
   * promise), a later call's `deadline` not looked at.
   */
  close(options?: CloseOptions): Promise<void>;
  /**
   * Aborts: stops accepting and destroys every connection at once (replies still being prepared are dropped and
   * counted as `ISO8583_ERR_INBOUND_CLIENT_GONE`), and aborts the `context.signal` of the sequences still running
   * with `ISO8583_ERR_INBOUND_CLOSED`, as `close()` does at its deadline. `reason` is logged. Idempotent; during a
   * `close()` it cuts the drain short and settles the same promise.
   */
  destroy(reason?: Error): Promise<void>;
  /** The bound address while listening, otherwise `null`. */
  address(): AddressInfo | null;
  /** The endpoint's counts. */
  stats(): InboundStats;
}
