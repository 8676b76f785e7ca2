/**
 * What `close()` does with the sequences it stops waiting for (its deadline passed, or `destroy()`): each one's
 * `context.signal` is aborted with `ISO8583_ERR_INBOUND_CLOSED`, so that what it started with the signal stops: a
 * connector request still unwritten is never written, one written is no longer awaited (reversed, as after its
 * timeout), a timer (the host simulator's `delay`) is cleared and no longer holds the process open for the rest of
 * it. Without it, a closed endpoint's process lived on until the slowest sequence ended. A signal aborted before (the
 * message's `sequenceTimeout` passed, or it failed) keeps its reason; `context.gone` (client-gone.ts) is not touched.
 * What the sequence does after is handled as before: its socket is closed, so a result goes to `onLateResult`
 * (`client-gone`).
 */
import type { Logger } from 'pino';
import type { DeadlineList } from './deadlines.js';
import { inboundError } from './errors.js';
import type { InFlightJobs } from './in-flight-jobs.js';
import type { InboundMetrics } from './metrics.js';
import type { InFlight } from './pipeline.js';
import { logSafely } from './safe-log.js';

const CODE = 'ISO8583_ERR_INBOUND_CLOSED';

/**
 * Whether `signal` was aborted by a close giving up on its sequence (`ISO8583_ERR_INBOUND_CLOSED`), not by the
 * message's timeout or a failure: the one test of it (the endpoint starts no onError for it; a flow reverses what it
 * holds as client-gone).
 */
export function closedByEndpoint(signal: AbortSignal | undefined): boolean {
  return (signal?.reason as { code?: unknown } | undefined)?.code === CODE;
}

/** What the close gives up on: the sequences awaited (the deadline list) and the onError sequences running. */
export interface Running {
  readonly deadlines: DeadlineList<InFlight>;
  readonly jobs: InFlightJobs;
  readonly metrics: InboundMetrics;
  readonly logger: Logger;
}

/**
 * Aborts the `signal` of every sequence (and onError) still running, each with an error of its own (a connector
 * request puts its `sent` on it); counted for each, logged once (warn, `sequences`). Returns how many were aborted.
 */
export function giveUp(running: Running): number {
  let count = 0;
  const abort = (controller: AbortController, which: string, mti?: string): void => {
    if (controller.signal.aborted) return;
    count++;
    running.metrics.error(CODE);
    controller.abort(inboundError(CODE, `the endpoint closed before the ${which} settled`, mti === undefined ? {} : { mti }));
  };
  // A signal not read yet is made aborted: a sequence that reads it later finds it so (as after an expiry).
  for (const job of running.deadlines.listed()) abort((job.abort ??= new AbortController()), 'sequence', job.message.mti);
  for (const own of [...running.jobs.onErrors]) abort(own, 'onError sequence');
  // The places held by sequences (and onErrors) that timed out and still run are let go with the endpoint, silently.
  running.jobs.endHolds();
  if (count > 0) {
    logSafely(() => running.logger.warn({ code: CODE, sequences: count }, 'close gave up on the sequences still running: their signal aborted'));
  }
  return count;
}
