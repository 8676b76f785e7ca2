/**
 * A POS message the gateway answers itself because the upstream request failed (refused as a duplicate, timed out,
 * no link): the reply of `failureReply`, counted in `iso8583_gateway_own_answers_total` by response code, and a
 * warning with the failure's code. A client can cause one per message (a terminal repeating a request still in
 * flight gets a 94 for each repeat), so the warnings are capped at {@link OWN_ANSWER_WARNINGS_PER_SECOND} a second
 * for each code: the rest are left out and the next line written says how many (`suppressed`). The metric counts
 * every answer. A POS client whose connection had closed before its answer was ready (`clientGone`) gets none: the
 * line says so (`upstream failed; the POS client had gone, no answer written`, with the code it would have had), and
 * the metric does not count it.
 */
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { safeErrorCode } from '@iso8583/codec';
import type { Dialect, IsoMessage } from '@iso8583/codec';
import { LogLimits } from '@iso8583/inbound/endpoint';
import type { SequenceResult } from '@iso8583/inbound';
import { failureReply } from './failure.js';

/** Warnings a second, at most, for each failure code (and kind of line) answered by the gateway. */
export const OWN_ANSWER_WARNINGS_PER_SECOND = 20;

/**
 * What answers a POS message whose upstream request failed with `err` (in the POS `dialect`'s codes: `failureReply`): the
 * reply, or `undefined` when none is due; `clientGone`: its connection had closed (default false). Its
 * `byResponseCode` counts the answers given so far by response code (the metric's count, read at once: the console's
 * outcomes).
 */
export type OwnAnswer = ((request: IsoMessage, mti: string, err: unknown, dialect?: Pick<Dialect, 'fields'>, clientGone?: boolean) => SequenceResult) & { readonly byResponseCode: Readonly<Record<string, number>> };

/** The gateway's own answers, counted in `answers` (label `response_code`) and logged (capped) with `logger`. */
export function ownAnswer(logger: Logger, answers: Counter<'response_code'>): OwnAnswer {
  const limits = new LogLimits(OWN_ANSWER_WARNINGS_PER_SECOND);
  const warn = (kind: string, fields: Record<string, unknown>, text: string): void => {
    const suppressed = limits.take(`${kind} ${String(fields.code)}`);
    if (suppressed !== undefined) logger.warn(suppressed > 0 ? { ...fields, suppressed } : fields, text);
  };
  const byResponseCode: Record<string, number> = {};
  const answer = (request: IsoMessage, mti: string, err: unknown, dialect?: Pick<Dialect, 'fields'>, clientGone = false): SequenceResult => {
    const reply = failureReply(request, err, dialect);
    const code = safeErrorCode(err);
    if (reply === undefined) {
      warn('none', { code, mti }, 'upstream failed; the message expects no answer');
      return undefined;
    }
    if (clientGone) {
      warn('gone', { code, mti, responseCode: reply['39'] }, 'upstream failed; the POS client had gone, no answer written');
      return reply;
    }
    const rc = String(reply['39']);
    answers.inc({ response_code: rc });
    byResponseCode[rc] = (byResponseCode[rc] ?? 0) + 1;
    warn('answer', { code, mti, responseCode: reply['39'] }, 'answered by the gateway');
    return reply;
  };
  return Object.assign(answer, { byResponseCode });
}
