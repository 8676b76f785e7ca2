/**
 * A sequence's failure as the coded error onError is given and `context.signal` is aborted with (pipeline.ts).
 */
import { isIso8583Error } from '@iso8583/codec';
import type { Iso8583Error } from '@iso8583/codec';
import { codeOf, inboundError } from './errors.js';

/**
 * A sequence failure as a coded error: a timeout stays as it is, anything thrown becomes `SEQUENCE_FAILED`. Never
 * throws, whatever was thrown: onError (or the 96) comes after it.
 */
export function asSequenceError(err: unknown, mti: string, which: string): Iso8583Error {
  if (isSequenceTimeout(err)) return err;
  const error = inboundError('ISO8583_ERR_INBOUND_SEQUENCE_FAILED', `the ${which} sequence failed (${codeOf(err)})`, {
    mti,
    cause: err,
  });
  // A cause written to the bank (a connector request's `sent: 'maybe'`): the wrapper says so before it becomes the
  // signal's abort reason, so that a request the abort drops unwritten (the connector marks its reason 'no' unless it
  // says 'maybe' already) cannot make onError's `upstreamFailureCode` answer 91 for a purchase the bank may hold.
  if (causeMaybeSent(err)) (error as { sent?: string }).sent = 'maybe';
  return error;
}

/** Whether an error of `err`'s `cause` chain says its request may be at the host (`sent: 'maybe'`); never throws. */
function causeMaybeSent(err: unknown): boolean {
  try {
    let e: unknown = err;
    for (let depth = 0; depth < 8 && e !== null && typeof e === 'object'; depth++) {
      if ((e as { sent?: unknown }).sent === 'maybe') return true;
      e = (e as { cause?: unknown }).cause;
    }
  } catch {
    // A value that cannot be looked at (a throwing getter, a revoked Proxy): not known to be written.
  }
  return false;
}

/**
 * Whether `err` is the endpoint's sequence timeout; false for a value that cannot even be looked at (a revoked Proxy
 * thrown, whose `instanceof` throws): that is a failure like any other.
 */
function isSequenceTimeout(err: unknown): err is Iso8583Error {
  try {
    return isIso8583Error(err) && err.code === 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT';
  } catch {
    return false;
  }
}
