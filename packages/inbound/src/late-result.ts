/**
 * What becomes of a sequence's outcome that comes after its `sequenceTimeout`: the client already has its timeout
 * answer, so it is never sent; it is counted and logged, and a result is handed to the `onLateResult` option.
 */
import { summarize } from '@iso8583/codec';
import { CardDataMask } from './card-data-mask.js';
import type { InFlight } from './pipeline.js';
import { codeForLog, logSafely } from './safe-log.js';
import type { SequenceResult } from './sequence.js';
import { handOver } from './undelivered.js';

/**
 * A sequence settled after its timeout (the client has had its timeout answer): never sent; counted and logged as
 * `ISO8583_ERR_INBOUND_LATE_REPLY` and a result handed to `onLateResult`. Only the first outcome after an expiry
 * counts (a promise-like that settles twice, or one that settles before its expiry and again after, is not late).
 */
export function lateResult(job: InFlight, result: SequenceResult, err: unknown): void {
  if (!job.expired) return;
  job.expired = false;
  const { core, message, context } = job;
  const code = 'ISO8583_ERR_INBOUND_LATE_REPLY';
  core.metrics.error(code);
  // A logger that throws: the count above says it; the result is still handed over.
  logSafely(() => job.peer.logger.warn(
    { code, messageId: context.messageId, ...summarize(message.fields), ...(err === undefined ? {} : { cause: codeForLog(err, CardDataMask.of(job.fields, job.dialect)) }) },
    err === undefined ? 'a sequence result came after its timeout: not sent' : 'a sequence failed after its timeout',
  ));
  if (err === undefined) handOver(core, job.peer, message, context, result, 'sequence-timeout', 'sequence');
}
