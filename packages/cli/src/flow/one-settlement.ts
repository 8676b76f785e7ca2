/**
 * One settlement of a flow's sequence for its approval book and its endpoint alike (undelivered-approvals.ts): its
 * result adopted as one native promise, and whether an abort was the endpoint's timeout.
 */
import { types } from 'node:util';
import type { SequenceResult } from '@iso8583/inbound';

/** Whether `reason`, an abort's, is the endpoint's timeout error (onError's own `sequenceTimeout` passed). */
export function timedOut(reason: unknown): boolean {
  return (reason as { code?: unknown } | null)?.code === 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT';
}

/**
 * `out` as one native promise, which the book and the endpoint both read: a Promise as it is (no cost), any other
 * promise-like adopted with one call of its `then` (a `then` that throws: a rejection, unless it settled first), so
 * that a `then` that fulfils for one caller and rejects for the next cannot tell the book one outcome and the
 * endpoint (the terminal's answer) another.
 */
export function adopted(out: PromiseLike<SequenceResult>): Promise<SequenceResult> {
  if (types.isPromise(out) && Object.getPrototypeOf(out) === Promise.prototype && !Object.hasOwn(out, 'then')) return out as Promise<SequenceResult>;
  return new Promise<SequenceResult>((resolve, reject) => {
    out.then(resolve, reject);
  });
}
