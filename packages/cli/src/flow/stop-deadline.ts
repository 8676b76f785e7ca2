/**
 * A flow's stop at its deadline, as the gateway's (gateway/stop-abort.ts, one home): the requests its sequences (and
 * HTTP routes) still have at the bank are given up at `shutdownDeadline` while every terminal is still connected, so
 * that each is answered (the onError's answer from what was sent: the example's 68 for one written, reversed, 91 for
 * one never written; a 96 without onError), and the endpoints' connections are cut only {@link STOP_ANSWER_GRACE} ms
 * later. And the start's warning that the deadline is shorter than a connector's wait for its bank.
 */
import type { Connector } from '@iso8583/connector';
import { printable } from '../io.js';
import type { Flow } from './load.js';
import { DEFAULT_SHUTDOWN_DEADLINE } from './load.js';

export { STOP_ANSWER_GRACE, StopAbort } from '../gateway/stop-abort.js';

/**
 * `ISO8583_WARN_SHUTDOWN_DEADLINE` lines, one for each connector whose wait for its bank (`requestTimeout`, the
 * connector's default 30000) is longer than the flow's `shutdownDeadline`: a stop gives up the requests still at that
 * bank at its deadline rather than wait for them. Warned, not changed (a short stop may be wanted); never when both are
 * at their defaults (`shutdownDeadline` 10000, no `requestTimeout` in the flow), which docs/flows.md states.
 */
export function shutdownDeadlineWarnings(flow: Flow, connectors: Record<string, Connector>): string[] {
  const lines: string[] = [];
  for (const [name, connector] of Object.entries(connectors)) {
    const given = (Object.hasOwn(flow.connectors, name) ? flow.connectors[name] : undefined) as { requestTimeout?: unknown; reversal?: { enabled?: unknown } } | undefined;
    const wait = connector.options.requestTimeout;
    if (flow.shutdownDeadline >= wait || (flow.shutdownDeadline === DEFAULT_SHUTDOWN_DEADLINE && given?.requestTimeout === undefined)) continue;
    const reversed = given?.reversal?.enabled === true ? 'each written one reversed' : 'NOT reversed: reversal is off';
    lines.push(`ISO8583_WARN_SHUTDOWN_DEADLINE: shutdownDeadline ${flow.shutdownDeadline} is shorter than connectors.${printable(name)}.requestTimeout ${wait}: ` +
      `a stop gives up the requests still at the bank at its deadline (each terminal answered by onError, or 96; ${reversed}); ` +
      `shutdownDeadline ${wait} or more lets them finish`);
  }
  return lines;
}
