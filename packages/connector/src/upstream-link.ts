/**
 * One upstream of an upstream group (upstream-group.ts): its connector, whether it is healthy, and its counts. Healthy
 * means a connection is up and signed on: the connector's `connect` event puts it in, the close of its last connection
 * (a failed echo closes one) takes it out at once ({@link Link.watch}), unless the connector closed it itself with
 * nothing failing (the pool's idle eviction, `pool.min` 0): then a failed connect attempt takes it out.
 */
import type { MessageInput } from '@iso8583/codec';
import type { Connector } from './connector.js';

/** What a link tells its group when its health changes: logged, counted and emitted by the group. */
export interface LinkHealth {
  /** The upstream came up (it was down). */
  up(link: Link): void;
  /** The upstream went down (it was up), its last connection closed with `code`. */
  down(link: Link, code: string | undefined): void;
}

/** The errors of a failed connect attempt (the connector's `error` event). */
const CONNECT_FAILURES: ReadonlySet<string> = new Set([
  'ISO8583_ERR_CONNECTOR_CONNECT_FAILED',
  'ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT',
  'ISO8583_ERR_CONNECTOR_SIGN_ON',
]);

/** One upstream of a group (see the file's note). */
export class Link {
  /** A connection is up and signed on. */
  up = false;
  /**
   * Its first connect attempt has not ended yet (no connection up, none failed): connecting, not down. A request routed
   * to it waits for that attempt within its own time, as a lone connector's first request does.
   */
  connecting = true;
  /** Requests sent to it and not settled. */
  inFlight = 0;
  /** Requests routed to it while it was down. */
  unavailable = 0;
  /** How many times it went down (its connector's close is not counted). */
  downs = 0;
  constructor(
    readonly name: string,
    readonly connector: Connector,
  ) {}

  /**
   * True when this upstream holds the transaction of `message` (in flight or being reversed there:
   * `Connector.holdsTransaction`). Only with fields 11 and 41: a STAN alone (host-to-host traffic) names no transaction,
   * and would draw unrelated requests to one upstream.
   */
  holds(message: MessageInput): boolean {
    return message['11'] != null && message['41'] != null && this.connector.holdsTransaction(message);
  }

  /** Down: no connection up and its first connect attempt ended (a request routed to it is refused at once). */
  get down(): boolean {
    return !this.up && !this.connecting;
  }

  /**
   * Follows the connector's health from its events (a connector already connected, as the gateway's first, is up from
   * the start), telling `health` of each change.
   */
  watch(health: LinkHealth): void {
    const connected = (): boolean => this.connector.stats().connected > 0;
    this.up = connected();
    if (this.up) this.connecting = false;
    this.connector.on('connect', () => {
      if (connected()) this.connecting = false;
      if (this.up || !connected()) return;
      this.up = true;
      health.up(this);
    });
    const down = (code: string | undefined): void => {
      this.up = false;
      // Its connector closing (its group's close, or the gateway's of each connector): the connections end because they
      // were asked to, not a fault (no event, no warn, no count).
      if (!this.connector.outcomes.accepting) return;
      this.downs += 1;
      health.down(this, code);
    };
    this.connector.on('disconnect', ({ code, retryIn }) => {
      if (!this.up || connected()) return;
      // A close the connector asked for while nothing fails (`retryIn` 0, no error: the pool's idle eviction of its
      // last connection, `pool.min` 0) leaves the upstream idle, not down: its next request connects again.
      if (code === undefined && retryIn === 0) return;
      down(code);
    });
    // Idle with no connection, the upstream is found down by the next connect attempt, when it fails.
    this.connector.on('error', (err) => {
      if (CONNECT_FAILURES.has(err.code)) this.connecting = false;
      if (this.up && !connected() && CONNECT_FAILURES.has(err.code)) down(err.code);
    });
  }
}
