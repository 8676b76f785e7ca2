/**
 * The reversals a test's host received: a gateway's or a connector's reversal of an ISO 8583:1987 request is an 0400,
 * repeated as 0401 while unanswered. One home for what every test counts or waits for.
 */

/** A message as a test's host received it: field number to value (`0` the MTI, `11` the STAN). */
type Received = Readonly<Record<string, unknown>>;

/** Whether `m` is a reversal: an 0400, or its repeat 0401. */
export function isReversal(m: Received): boolean {
  return m['0'] === '0400' || m['0'] === '0401';
}

/** Whether `m` is a reversal ({@link isReversal}) of the request whose STAN (field 11) is `stan`: what a test waits for. */
export function isReversalOf(stan: string): (m: Received) => boolean {
  return (m) => isReversal(m) && m['11'] === stan;
}

/** How many of `received` are reversals of `stan` ({@link isReversalOf}): the 0400 and each 0401 repeat. */
export function reversalsOf(received: readonly Received[], stan: string): number {
  return received.filter(isReversalOf(stan)).length;
}
