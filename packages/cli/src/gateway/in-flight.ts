/**
 * How many requests the gateway's upstream links accept at once. The gateway's own listeners already bound what can
 * be in flight (each POS connection is read no further while {@link POS_IN_FLIGHT_PER_CONNECTION} of its messages are
 * being handled, each HTTP connection hands 32 requests at a time to the routes), and every request is bounded in time
 * by its own deadline (`--request-timeout`: one not yet written by then is answered 91 and never sent, one written is
 * answered or timed out 68 and reversed). So by default the link accepts what those listeners admit at once: a count
 * limit below that (the connector's own default is 1000) answers 91 to purchases whenever a burst, a collector pause or
 * a slower bank briefly holds more than that count in flight, at a fraction of the gateway's capacity. Not more: a
 * request counts at its listener only while its connection is open, so the requests of a POS or HTTP connection that
 * closed still hold the link (queued or at the bank, until answered or timed out) while they count there no more, and
 * clients that reconnect and send again can exceed the sum: each request past it is answered 91, never sent. A request in
 * flight holds about 5.3 KiB of heap (journal on), so the default of 96000 is about 500 MB at most; `--max-in-flight`
 * lowers it. With `--terminal-queue`, one terminal may have as many waiting ({@link terminalQueueDepthOf}).
 */
import { MAX_IN_FLIGHT } from '@iso8583/connector/option-limits';
import { MAX_PIPELINED } from '../http/pipeline-cap.js';
import type { GatewayConfig } from './config.js';

/** Messages of one POS connection the gateway handles at once (the endpoint's `maxInFlightPerConnection`): 64. */
export const POS_IN_FLIGHT_PER_CONNECTION = 64;

/**
 * The default `--max-in-flight` of `config`: {@link POS_IN_FLIGHT_PER_CONNECTION} for each of `--max-connections`,
 * plus 32 (`MAX_PIPELINED`) for each of `--http-max-connections` when the HTTP port is on (96000 at the defaults), at
 * most the connector's `MAX_IN_FLIGHT` (a derived default is never refused: past it, the listeners' counts are far
 * beyond what one process holds).
 */
export function defaultMaxInFlight(config: Pick<GatewayConfig, 'maxConnections' | 'httpMaxConnections' | 'httpEnabled'>): number {
  const admitted = POS_IN_FLIGHT_PER_CONNECTION * config.maxConnections + (config.httpEnabled ? MAX_PIPELINED * config.httpMaxConnections : 0);
  return Math.min(admitted, MAX_IN_FLIGHT);
}

/** The requests each upstream link of `config` accepts at once: `--max-in-flight`, else {@link defaultMaxInFlight}. */
export function maxInFlightOf(config: Pick<GatewayConfig, 'maxInFlight' | 'maxConnections' | 'httpMaxConnections' | 'httpEnabled'>): number {
  return config.maxInFlight ?? defaultMaxInFlight(config);
}

/**
 * The requests one terminal (field 41) may have waiting with `--terminal-queue` (the connector's
 * `terminalQueue.maxQueued`): as many as the link accepts ({@link maxInFlightOf}), whose count includes the waiting
 * ones. The connector's default of 100 refused a terminal's requests while every connection it came on was under its
 * own limit (one terminal on two POS connections, 64 each: 27 of the 128 answered 91 at once,
 * `ISO8583_ERR_CONNECTOR_QUEUE_FULL`); each waiting request stays bounded by the link's limit and its own deadline.
 */
export function terminalQueueDepthOf(config: Pick<GatewayConfig, 'maxInFlight' | 'maxConnections' | 'httpMaxConnections' | 'httpEnabled'>): number {
  return maxInFlightOf(config);
}
