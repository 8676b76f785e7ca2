import type { Connector } from '@iso8583/connector';

/** How often the reversals still pending are counted while a stop waits for them (ms). */
const REVERSAL_POLL_MS = 50;

/**
 * Resolves once no connector has a reversal pending, `until` (a `Date.now()` time) has passed, or `cancelled()` turns
 * true: what `iso8583 gateway` and `iso8583 run` wait for before their connectors close on a graceful stop.
 */
export async function waitForReversals(connectors: readonly Connector[], until: number, cancelled: () => boolean = () => false): Promise<void> {
  const pending = (): number => connectors.reduce((n, c) => n + Number(c.stats().reversalsPending ?? 0), 0);
  while (pending() > 0 && Date.now() < until && !cancelled()) {
    await new Promise((resolve) => setTimeout(resolve, REVERSAL_POLL_MS));
  }
}
