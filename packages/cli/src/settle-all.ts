/**
 * Waiting for every part of a stop: one part that fails never cuts the others short (an upstream still draining its
 * reversals to its bank), and the failure is still reported.
 */

/**
 * Resolves once every one of `parts` has settled; then rejects with the first rejection's reason (in the order of
 * `parts`) if any rejected. Unlike `Promise.all`, never settles before the slowest part. `undefined` parts (an
 * optional port that was not opened) count as settled.
 */
export async function settleAll(parts: Iterable<unknown>): Promise<void> {
  const results = await Promise.allSettled(parts);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
