/**
 * A message's onError: called when its sequence failed or timed out, with a `sequenceTimeout` of its own; its answer
 * goes to the client, else the endpoint's own 96. One that times out and still runs holds a place under `maxInFlight`
 * until it settles (late-result.ts `holdLate`), as a sequence that timed out does.
 */
import type { Iso8583Error } from '@iso8583/codec';
import type { MessageContext } from './context.js';
import { inboundError, type InboundErrorCode } from './errors.js';
import { closedByEndpoint } from './give-up.js';
import { releaseLate, reportLate } from './late-result.js';
import { messageMask } from './message-mask.js';
import type { InFlight } from './pipeline.js';
import { logFailure } from './reply-write.js';
import { errorReply } from './response.js';
import { asSequenceError } from './sequence-error.js';
import { isThenable } from './sequence.js';
import type { ResultSource, Sequence, SequenceResult } from './sequence.js';

/** Response code 96: system malfunction (the sequence failed, no onError answered); 909 in answers to 1993 MTIs. */
export const SYSTEM_MALFUNCTION = '96';

/** What the endpoint's 96 after onError is given up on waits for, by onError's `signal` ({@link holdGiveUp}). */
const held = new WeakMap<AbortSignal, PromiseLike<unknown>[]>();

/**
 * Has the endpoint's 96, when it gives up on onError (its timer fired, or it failed: its `signal` aborted), wait for
 * `until` (the reversals of what onError got, stored: a flow's abort listener), at most a tenth of the
 * `sequenceTimeout`, 250 ms at most ({@link giveUpHold}), so that a crash right after the 96 cannot leave them unstored.
 * Called before the abort or from its listener; a rejection is as a settling. Nothing else waits for it.
 */
export function holdGiveUp(signal: AbortSignal, until: PromiseLike<unknown>): void {
  const list = held.get(signal);
  if (list === undefined) held.set(signal, [until]);
  else list.push(until);
}

/** Milliseconds at most the 96 waits for what {@link holdGiveUp} handed it: a tenth of `sequenceTimeout`, 250 at most. */
export function giveUpHold(sequenceTimeout: number): number {
  return Math.min(250, sequenceTimeout / 10);
}

/** Settles once all `holdGiveUp` handed for `signal` settled, or after {@link giveUpHold} ms (never rejects). */
function heldFor(signal: AbortSignal, sequenceTimeout: number): Promise<void> | undefined {
  const list = held.get(signal);
  if (list === undefined) return undefined;
  held.delete(signal);
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, giveUpHold(sequenceTimeout))));
  const all = Promise.all(list.map((one) => Promise.resolve(one).then(() => undefined, () => undefined)));
  return Promise.race([all.then(() => undefined), cap]).finally(() => clearTimeout(timer));
}

/**
 * Runs onError with a `sequenceTimeout` of its own, from its call (after a timeout the client may so wait up to twice
 * the `sequenceTimeout`: a flow's onError wrapper bounds its verdict by the same timer, made first, so that it fails
 * first and the terminal's 96 and the reversal go together). When that timer fires (or onError fails), the client
 * gets a 96 and onError's own `signal` is aborted (`recover`; the sequence's was aborted before onError was called,
 * `failed`) and a later outcome
 * goes the late-result way (`reportLate`, source onError: counted, logged, a result handed to `onLateResult`).
 */
export async function runOnError(sequence: Sequence, job: InFlight, context: MessageContext): Promise<SequenceResult> {
  const out = sequence(job.message, context);
  if (!isThenable(out)) return out;
  const { mti } = job.message;
  const timeout = job.core.options.sequenceTimeout;
  // The onError path is rare: a timer of its own.
  return new Promise<SequenceResult>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      // Its client gets a 96 now, onError still runs: it holds a place under `maxInFlight` (pipeline.ts `tell`).
      job.onErrorLate = true;
      reject(inboundError('ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT', `the onError sequence did not settle within ${timeout} ms`, { mti }));
    }, timeout);
    timer.unref();
    out.then(
      (value) => {
        if (late) return settledLate(job, value, undefined);
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        if (late) return settledLate(job, undefined, err);
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * The onError sequence's answer (`source` onError), or the endpoint's own response code 96 reply (no `source`: never
 * handed to `onLateResult`) when there is none or it fails too.
 */
export async function recover(job: InFlight, error: Iso8583Error): Promise<{ readonly result: SequenceResult; readonly source?: ResultSource }> {
  const { core, message, context, fields } = job;
  // A close that gave up on the sequence (give-up.ts: its signal aborted with INBOUND_CLOSED, the client's socket
  // closing) starts no onError: its answer could reach no one, and what it sent (a backup link's approval) would be
  // reversed by no one; the endpoint's own 96 goes to the gone peer.
  if (core.onError !== undefined && !closedByEndpoint(job.abort?.signal)) {
    // onError's own signal: the sequence's was aborted before (`failed`), and a request onError sends with it (the
    // way the docs advise) must be sent, not refused at once.
    const own = new AbortController();
    // Held while onError runs: a close that gives up on it aborts it (give-up.ts).
    core.jobs.onErrors.add(own);
    try {
      return { result: await runOnError(core.onError, job, context.withError(error, own)), source: 'onError' };
    } catch (err) {
      const second = asSequenceError(err, message.mti, 'onError');
      // The client gets a 96: whatever onError started with its signal (a connector request) and left is never
      // written, or is reversed; the abort's reason is the failure, which the request puts its `sent` on.
      own.abort(second);
      // The context's logger binds `messageId` already: given again, the line would carry the key twice.
      logFailure(core, context, second.code as InboundErrorCode, fields, undefined, err, () => messageMask(job));
      // What the abort's listeners handed over (a flow's reversals, stored: `holdGiveUp`), bounded, before the 96.
      const hold = heldFor(own.signal, core.options.sequenceTimeout);
      if (hold !== undefined) await hold;
    } finally {
      core.jobs.onErrors.delete(own);
    }
  }
  return { result: errorReply(fields, message.mti, SYSTEM_MALFUNCTION, core.codec.dialect) };
}

/** onError settled after its own timeout (its client had the 96): its place is freed, the outcome reported late. */
function settledLate(job: InFlight, result: SequenceResult, err: unknown): void {
  job.onErrorLate = false;
  releaseLate(job, 'onError');
  reportLate(job, result, err, 'onError');
}
