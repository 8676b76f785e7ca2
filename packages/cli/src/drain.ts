import type { Connector } from '@iso8583/connector';

/** How often the SAF entries still pending are counted while a stop waits for them (ms). */
const SAF_POLL_MS = 50;

/** SAF entries still waiting in the connectors' queues, by kind: the connectors' own reversals, and advices sent with `saf: true`. */
export interface SafLeft {
  reversals: number;
  advices: number;
}

/** What the connectors' SAF queues still hold (journaled, not yet ended), by kind. */
export function safLeft(connectors: readonly Connector[]): SafLeft {
  let reversals = 0;
  let depth = 0;
  for (const c of connectors) {
    const s = c.stats();
    reversals += Number(s.reversalsPending ?? 0);
    depth += Number(s.safDepth ?? 0);
  }
  // The SAF depth counts every entry being sent (reversals and advices); the reversals are counted apart.
  return { reversals, advices: Math.max(0, depth - reversals) };
}

/**
 * Sends at once every SAF entry waiting for its next attempt (`Connector.flushSaf`), then resolves once no connector
 * has a SAF entry pending (neither a reversal nor an advice), `until` (a `Date.now()` time) has passed, or
 * `cancelled()` turns true: what `iso8583 gateway` and `iso8583 run` wait for before their connectors close on a
 * graceful stop, so that what can be delivered while the link is up is not left for the next start, nor left waiting
 * for a retry interval longer than the deadline. An attempt that fails during the wait is repeated after its
 * `saf.retryInterval` as usual. Whatever is still pending at the end stays journaled (see {@link safLeft} for what the
 * stop reports).
 */
export async function waitForSaf(connectors: readonly Connector[], until: number, cancelled: () => boolean = () => false): Promise<void> {
  if (!cancelled()) for (const c of connectors) c.flushSaf();
  const pending = (): boolean => {
    const left = safLeft(connectors);
    return left.reversals + left.advices > 0;
  };
  while (pending() && Date.now() < until && !cancelled()) {
    await new Promise((resolve) => setTimeout(resolve, SAF_POLL_MS));
  }
}
