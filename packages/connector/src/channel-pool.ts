/**
 * What the connector asks of its connections, whatever the pool mode: a channel to send one request on, given back
 * after it. Two policies implement it: {@link MultiplexPool} (many requests in flight on each connection, the
 * host-to-host case) and {@link ExclusivePool} (a connection is lent to one request until its response).
 */
import { Iso8583Error } from '@iso8583/codec';
import type { Channel } from './channel.js';
import { connectorError } from './errors.js';

/** The connections of a connector, lent to requests. */
export interface ChannelPool {
  /** Opens the connections kept open (`pool.min`; at least one when multiplexing). */
  start(): void;
  /** Resolves once a first usable connection is up; rejects with the error of a failed connect attempt. */
  ready(): Promise<void>;
  /** A channel for one request at once, when one is ready without waiting (the fast path); else undefined. */
  take(): Channel | undefined;
  /**
   * A channel for one request, within `pool.acquireTimeout` (`ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED`); a failed
   * connect attempt fails the wait at once with its own error (and so does the last one failed before the wait while
   * no connection can be up within it: `ChannelFactory.failureBeyond`, asked by both pools). `background` (default false): the borrower is a SAF
   * attempt of an advice; an exclusive pool lends a connection to it only when no other borrower waits (online requests
   * are served first, a backlog of advices never queues ahead of them); a multiplex pool ignores it. A reversal's SAF
   * attempt is not `background`: it waits in arrival order with online requests, so steady load never starves it.
   */
  acquire(background?: boolean): Promise<Channel>;
  /**
   * Gives the channel of a finished request back. `failedAfterWrite` (default false): the request failed after it was
   * written (timed out, say), so the host may still be working on it; an exclusive pool then closes the connection
   * instead of lending it again (a host serving one request at a time would answer the next one late or never), a
   * multiplex pool keeps it (the host interleaves). `byHost` (default true): that failure was the host's (`hostFault`),
   * so the close carries a code (an upstream group finds its upstream down); false (the caller's abort or deadline),
   * the connection still closes, as asked for.
   */
  release(channel: Channel, failedAfterWrite?: boolean, byHost?: boolean): void;
  /** A channel's socket closed. */
  closed(channel: Channel): void;
  /** Requests waiting for a channel. */
  readonly waiting: number;
  /** Fails every request waiting for a channel with `reason`. */
  rejectWaiting(reason: Iso8583Error): void;
  /** Closes every connection (signing off when configured); waiting requests fail with `ISO8583_ERR_CONNECTOR_CLOSED`. */
  close(): Promise<void>;
}

/** The error of a wait for a channel that ended other than by a connect failure. */
export function poolError(err: unknown, acquireTimeout: number): Iso8583Error {
  if (err instanceof Iso8583Error) return err;
  const text = err instanceof Error ? err.message : String(err);
  if (/draining|closed/i.test(text)) return connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing');
  return connectorError('ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED', `no connection free within ${acquireTimeout} ms`, {
    field: 'pool.acquireTimeout',
  });
}
