/**
 * Approvals a flow's terminals (or HTTP clients) never got whose reversal could be neither stored nor sent
 * (late-approval.ts: `iso8583_gateway_undelivered_approvals_total` with outcome `not-reversed`): counted before and
 * after a graceful stop, so that a stop during which one was lost fails (exit 1) instead of ending with exit 0.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Iso8583Error } from '@iso8583/codec';
import { UNDELIVERED_APPROVALS_METRIC as METRIC } from '../gateway/late-approval.js';

/** How many approvals so far were NOT reversed (0 when none was ever undelivered: the metric is made on first use). */
export async function notReversed(registry: Registry): Promise<number> {
  const metric = registry.getSingleMetric(METRIC);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return values.filter((v) => v.labels.outcome === 'not-reversed').reduce((n, v) => n + v.value, 0);
}

/**
 * Logs at `error` and returns the coded error (`ISO8583_ERR_FLOW_NOT_REVERSED`) of a stop (`what`: `flow NAME`) during
 * which `count` approvals could not be reversed: the stop's failure (exit 1). Counts only, no card data.
 */
export function notReversedError(logger: Logger, what: string, count: number): Iso8583Error {
  const message = `${count} approval${count === 1 ? '' : 's'} the client never got could be neither stored as a reversal nor sent during the stop: reverse ${count === 1 ? 'it' : 'them'} by hand (the lines "NOT reversed" above)`;
  logger.error({ code: 'ISO8583_ERR_FLOW_NOT_REVERSED', notReversed: count }, `${what}: ${message}`);
  return new Iso8583Error('ISO8583_ERR_FLOW_NOT_REVERSED', message);
}
