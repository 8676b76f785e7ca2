/**
 * What becomes of a sequence's outcome that comes after its `sequenceTimeout`: the client already has its timeout
 * answer, so it is never sent; it is counted and logged, and a result is handed to the `onLateResult` option.
 */
import { summarize } from '@iso8583/codec';
import { messageMask } from './message-mask.js';
import type { InFlight } from './pipeline.js';
import { codeForLog, logSafely } from './safe-log.js';
import type { ResultSource, SequenceResult } from './sequence.js';
import { handOver } from './undelivered.js';

/**
 * A sequence settled after its timeout (the client has had its timeout answer): never sent; counted and logged as
 * `ISO8583_ERR_INBOUND_LATE_REPLY` and a result handed to `onLateResult`. Only the first outcome after an expiry
 * counts (a promise-like that settles twice, or one that settles before its expiry and again after, is not late). Its
 * place under `maxInFlight`, if still held (`holdLate`), is freed.
 */
export function lateResult(job: InFlight, result: SequenceResult, err: unknown): void {
  if (!job.expired) return;
  job.expired = false;
  releaseLate(job, 'sequence');
  reportLate(job, result, err, 'sequence');
}

/**
 * A sequence that timed out (`source` sequence), or an onError that did (`source` onError, its client answered 96),
 * and still runs once its client is answered (pipeline.ts `tell`) keeps its place under `maxInFlight` (a slow bank's
 * sequences stay bounded), for at most one more `sequenceTimeout`: one that never settles (a promise no one settles)
 * would otherwise take a place for good, the endpoint's capacity lost bit by bit, silently. At the bound the place is
 * freed, with one warning (`ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT`, `heldMs`; `source` for an onError); a later outcome
 * is still reported (`lateResult`, `reportLate`). No place is kept (no timer) once the endpoint has closed
 * (in-flight-jobs.ts `endHolds`), nor after it (a sequence the close gave up on that expires after it); the hold still
 * counts it as running (`lateRunning`) until it settles: the closed endpoint's metrics wait for what it counts.
 * Called once per message and source that timed out.
 */
export function holdLate(job: InFlight, source: ResultSource): void {
  const { core } = job;
  const bound = core.options.sequenceTimeout;
  const which = source === 'onError' ? 'an onError sequence' : 'a sequence';
  const hold = core.jobs.lateStarted(bound, () => logSafely(() => job.peer.logger.warn(
    { code: 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT', messageId: job.context.messageId, ...summarize(job.fields), ...(source === 'onError' ? { source } : {}), heldMs: bound },
    `${which} that timed out still runs: its maxInFlight place is freed`,
  )));
  if (source === 'onError') job.onErrorHold = hold;
  else job.lateHold = hold;
}

/** Frees the place a sequence (or onError, `source`) that timed out holds (`holdLate`), if it still holds it. */
export function releaseLate(job: InFlight, source: ResultSource): void {
  job.core.jobs.lateEnded(source === 'onError' ? job.onErrorHold : job.lateHold);
}

/**
 * An outcome after the client had its timeout answer, of the sequence or of onError (`source`; onError's own bound is
 * the rest of the message's `sequenceTimeout`, see pipeline.ts): counted and logged as `ISO8583_ERR_INBOUND_LATE_REPLY`,
 * a result handed to `onLateResult` (`sequence-timeout`, with `source`). Called once per outcome by its caller.
 */
export function reportLate(job: InFlight, result: SequenceResult, err: unknown, source: ResultSource): void {
  const { core, message, context } = job;
  const code = 'ISO8583_ERR_INBOUND_LATE_REPLY';
  core.metrics.error(code);
  const which = source === 'onError' ? 'an onError' : 'a sequence';
  // A logger that throws: the count above says it; the result is still handed over.
  logSafely(() => job.peer.logger.warn(
    { code, messageId: context.messageId, ...summarize(job.fields), ...(source === 'onError' ? { source } : {}), ...(err === undefined ? {} : { cause: codeForLog(err, messageMask(job)) }) },
    err === undefined ? `${which} result came after its timeout: not sent` : source === 'onError' ? 'an onError sequence failed after its timeout' : 'a sequence failed after its timeout',
  ));
  if (err === undefined) handOver(core, job.peer, message, context, result, 'sequence-timeout', source);
}
