/**
 * How long a flow's reply that does not approve (a decline after the bank approved, or no reply: undelivered-approvals.ts)
 * waits for the reversals it causes to be stored before the endpoint writes it: until they are stored (or handed to
 * the send without SAF), but never past the message's `sequenceTimeout`. A store slower than that (a journal on a
 * stalled disk) would let the endpoint time the message out, and the terminal would get the timeout's answer instead:
 * a 96, or onError's, perhaps a stand-in approval while its approval is being reversed. So the wait ends
 * {@link declineMargin} ms before the deadline: the reply goes as the sequence gave it, logged at warn with
 * `ISO8583_WARN_FLOW_DECLINE_UNSTORED`, and the reversals are still stored (the gateway's handler keeps them under
 * way: a stop waits for them, and counts any it cannot store). A crash between the two leaves that reversal unstored,
 * as the timeout's answer would have.
 */
import { performance } from 'node:perf_hooks';
import { summarize } from '@iso8583/codec';
import { giveUpHold, logSafely } from '@iso8583/inbound';
import type { InboundMessage, SequenceContext } from '@iso8583/inbound';

/** The warning of a reply written before the reversals it causes were stored (docs/errors.md). */
export const DECLINE_UNSTORED = 'ISO8583_WARN_FLOW_DECLINE_UNSTORED';

/**
 * Milliseconds before the sequence deadline the wait ends: a tenth of the `sequenceTimeout`, at most 250 (the bound of
 * the endpoint's 96 after onError, inbound `giveUpHold`: one formula).
 */
export function declineMargin(sequenceTimeout: number): number {
  return giveUpHold(sequenceTimeout);
}

/**
 * Settles (never rejects) once `stored` settles, or {@link declineMargin} ms before the message's deadline
 * (`started`, the `performance.now()` of the sequence's call, plus `sequenceTimeout`; 0 or less: no bound), whichever
 * comes first; in the second case logs `ISO8583_WARN_FLOW_DECLINE_UNSTORED` on the message's logger (its MTI, STAN,
 * terminal as `summarize` gives them, and id; no card data). `what`: the answer that waits, as the line names it
 * (default: a reply that does not approve; onError's answer, on-error-verdict.ts).
 */
export function storedOrDeadline(
  stored: Promise<void>,
  started: number,
  sequenceTimeout: number,
  message: InboundMessage,
  context: SequenceContext,
  what = 'a reply that does not approve',
): Promise<void> {
  return storedWithin(stored, started + sequenceTimeout - declineMargin(sequenceTimeout) - performance.now(), sequenceTimeout, message, context, what);
}

/**
 * Settles (never rejects) once `stored` settles, or after `left` ms (0 or less: at once), whichever comes first; in
 * the second case logs `ISO8583_WARN_FLOW_DECLINE_UNSTORED` as {@link storedOrDeadline} does (`what`: the answer that
 * waits, as the line names it; `bound`: how long it could wait, as the line names it, default the sequenceTimeout). A `sequenceTimeout` of 0 or less (none bound): `stored` itself, no bound, no line.
 */
export function storedWithin(
  stored: Promise<void>,
  left: number,
  sequenceTimeout: number,
  message: InboundMessage,
  context: SequenceContext,
  what: string,
  bound = 'the sequenceTimeout',
): Promise<void> {
  if (!(sequenceTimeout > 0)) return stored;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, Math.max(0, left), false)));
  return Promise.race([stored.then(() => true, () => true), deadline]).then((inTime) => {
    clearTimeout(timer);
    if (inTime) return;
    // summarize: a value longer than ISO 8583 allows (a PAN given as field 41) is masked.
    const about = { code: DECLINE_UNSTORED, ...summarize(message.fields), messageId: context.messageId, sequenceTimeout };
    logSafely(() => context.logger.warn(about, `${what} goes to the terminal before the reversals it causes are stored (not stored within ${bound}): they are still being stored`));
  });
}

/**
 * One promise of the reversals in `started` that were started (`undefined` entries are none), settled once all are
 * (each never rejects: MessageAnswers.undelivered); `undefined` when none was, so that nothing waits.
 */
export function allStored(started: readonly (Promise<void> | undefined)[]): Promise<void> | undefined {
  const under = started.filter((one): one is Promise<void> => one !== undefined);
  return under.length === 0 ? undefined : Promise.all(under).then(() => undefined);
}
