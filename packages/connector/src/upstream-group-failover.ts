/**
 * Whether an upstream group may try a failed request on another upstream: only when the request never reached the
 * wire, so that no host can have it (a second bank given a purchase the first may approve would charge twice). The
 * request's own outcome says so (`sent`, request-sent.ts): `'no'` is safe to try elsewhere whatever its code (a
 * connection that could not be made or was lost before the write, the connector closing, its in-flight limit, its
 * journal failing before the write), `'maybe'` never. A few refusals with `'no'` are about the request itself or its
 * caller, and another upstream would not cure them, or leave its reversal to the first (a shared store's failure):
 * they stay; so does one whose upstream still holds its transaction (its reversal entry could not be ended: it is
 * being reversed there; upstream-group.ts). A `DUPLICATE_KEY` refusal of another transaction (`collision`: a reversible
 * request refused by the upstream connector's own memory of its keys, `refusedByKeyHere`, which that upstream does not
 * hold by the group's in-flight rule, only sharing a STAN and terminal id with one it holds) goes on: that upstream
 * cannot carry both at once, and no host has this one. A shared store's refusal (`addOriginal`: the transaction in
 * flight or being reversed on another node, which this node cannot see) is never a collision: it stays, or a second
 * bank could approve what the first may approve. The code table is the fallback for an error that does not say `sent`
 * (one that was no request's outcome).
 */
import type { Iso8583Error } from '@iso8583/codec';

/**
 * Connector refusals of a request for what it is or what its caller asked, never written: its input or options
 * invalid, a request with its key already in flight or being reversed (a duplicate), its `saf` refused, its caller's
 * signal aborted (the caller gave up). Another upstream would refuse it alike, and they say nothing of the upstream's
 * health: such a request goes to no other upstream, and counts as no outcome of its upstream (upstream-metrics.ts).
 */
export const REFUSED_FOR_ITSELF: ReadonlySet<string> = new Set([
  'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY',
  'ISO8583_ERR_CONNECTOR_ABORTED',
  'ISO8583_ERR_CONNECTOR_OPTIONS',
  'ISO8583_ERR_CONNECTOR_INPUT',
  'ISO8583_ERR_CONNECTOR_SAF',
]);

/**
 * Refusals that never reached the wire and still go to no other upstream: those of the request itself
 * ({@link REFUSED_FOR_ITSELF}), its overall deadline passed, a shared store's failure (`STORE`: its reversal entry's
 * fate unknown, or another node may be reversing it: its original stalled past the lease before its write).
 */
const STAYS: ReadonlySet<string> = new Set([...REFUSED_FOR_ITSELF, 'ISO8583_ERR_CONNECTOR_STORE', 'ISO8583_ERR_CONNECTOR_DEADLINE']);

/** The fallback for an error without `sent`: codes only raised before a request's write (no connection could be had). */
const NOT_SENT: ReadonlySet<string> = new Set([
  'ISO8583_ERR_CONNECTOR_CONNECT_FAILED',
  'ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT',
  'ISO8583_ERR_CONNECTOR_SIGN_ON',
  'ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED',
]);

/**
 * True when a request that failed with `err` on one upstream may be tried on another: its `sent` is `'no'` and its
 * code a connector failure not in the list that stays (or `DUPLICATE_KEY` and `collision`, default false: the request
 * is another transaction than the one the upstream holds, see the file's note); without `sent`, its code is one only
 * raised before the write.
 */
export function triesElsewhere(err: Partial<Iso8583Error> | undefined, collision = false): boolean {
  const code = String(err?.code ?? '');
  const sent = err?.sent;
  if (sent === 'maybe') return false;
  if (sent === 'no' && collision && code === 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY') return true;
  if (sent === 'no') return code.startsWith('ISO8583_ERR_CONNECTOR_') && !STAYS.has(code);
  return NOT_SENT.has(code);
}
