/**
 * What a user callback returned, when it is a promise: a callback typed to return nothing may still be an `async`
 * function, and its rejection, left alone, is an unhandled rejection (by default it ends the process). The places that
 * call user callbacks (`routes.onUndelivered`, the send options `answeredBy` and `routedTo`) handle a rejection as they
 * handle a throw.
 */

/** When `returned` is a thenable, `failed` is called with its rejection reason (if it rejects); else nothing. */
export function onRejected(returned: unknown, failed: (err: unknown) => void): void {
  if ((typeof returned === 'object' && returned !== null) || typeof returned === 'function') {
    const then = (returned as { then?: unknown }).then;
    if (typeof then === 'function') {
      try {
        (then as (ok: (value: unknown) => void, ko: (err: unknown) => void) => unknown).call(returned, () => undefined, failed);
      } catch (err) {
        failed(err);
      }
    }
  }
}

/** A rejection handler that drops the reason: for callbacks whose throw is ignored too. */
export function ignore(): void {
  // Nothing: the caller goes on as it does after a throw.
}
