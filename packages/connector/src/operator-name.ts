/**
 * The name an operator knows an upstream by. The gateway runs the first of several named upstreams (`bankA`) as a
 * connector named `upstream` (its journal folder, metrics and transaction log keep that name) and hands it a logger
 * bound with `upstream: "bankA"` (cli gateway/upstream-options.ts): a line written with another logger (the HTTP or POS
 * side's) names the upstream by that binding, not by the connector's internal name, so that an operator searching the
 * log for bankA finds it.
 */
import type { Connector } from './connector.js';

/**
 * The `upstream` the connector's logger is bound with (a string), else the connector's own name. Reads the logger's
 * bindings (a parse of a short string): for a line written rarely (a reversal), not per message.
 */
export function operatorName(connector: Pick<Connector, 'name' | 'logger'>): string {
  let bound: unknown;
  try {
    bound = (connector.logger as { bindings?: () => Record<string, unknown> }).bindings?.().upstream;
  } catch {
    bound = undefined;
  }
  return typeof bound === 'string' && bound !== '' ? bound : connector.name;
}
