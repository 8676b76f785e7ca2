/**
 * The check of an upstream group's options (upstream-group.ts), before any connector is made: every problem found at
 * once, thrown as one `ISO8583_ERR_CONNECTOR_OPTIONS` naming each option (each problem's `code` the same, as a
 * connector's); what passes, read with its defaults.
 */
import { Connector } from './connector.js';
import { optionsError } from './errors.js';
import { routeProblems } from './routing.js';
import type { RouteRule } from './routing.js';
import type { UpstreamGroupOptions, UpstreamStrategy } from './upstream-group-options.js';

/** An upstream group's options once checked, with their defaults. */
export interface CheckedGroupOptions {
  /** The upstreams, in order. */
  upstreams: UpstreamGroupOptions['upstreams'];
  /** Each upstream's name, in the same order. */
  names: string[];
  /** The strategy (default `failover`). */
  strategy: UpstreamStrategy;
  /** The originals remembered (default 100000). */
  maxOriginals: number;
  /** The routing rules (default none). */
  routes: readonly RouteRule[];
}

/** The options of a group (`UpstreamGroupOptions`): any other key is refused, a misspelt one is never ignored. */
const GROUP_KEYS: ReadonlySet<string> = new Set(['upstreams', 'strategy', 'routes', 'registry', 'logger', 'maxOriginals']);

/** Checks `options` (see the file's note); throws when one is wrong. */
export function checkGroupOptions(options: UpstreamGroupOptions): CheckedGroupOptions {
  const problems: string[] = [];
  if (options !== null && typeof options === 'object') {
    for (const key of Object.keys(options)) if (!GROUP_KEYS.has(key)) problems.push(`${key}: is not an option of an upstream group`);
  }
  const upstreams = Array.isArray(options?.upstreams) ? options.upstreams : [];
  if (upstreams.length === 0) problems.push('upstreams: at least one upstream is required');
  const strategy = options?.strategy ?? 'failover';
  if (strategy !== 'failover' && strategy !== 'round-robin') problems.push('strategy: must be failover or round-robin');
  const names = upstreams.map((u) => (u instanceof Connector ? u.name : String(u?.name ?? '')));
  names.forEach((n, i) => {
    if (n === '') problems.push(`upstreams[${i}].name: a name is required`);
    else if (names.indexOf(n) !== i) problems.push(`upstreams[${i}].name: ${JSON.stringify(n)} is used twice`);
  });
  // One connector under two names is one bank counted, watched and failed over to twice: refused, the second named.
  const made = upstreams.map((u) => (u instanceof Connector ? u : (u as { connector?: unknown })?.connector instanceof Connector ? (u as { connector: Connector }).connector : undefined));
  made.forEach((c, i) => {
    if (c !== undefined && made.indexOf(c) !== i) problems.push(`upstreams[${i}].connector: the connector of upstreams[${made.indexOf(c)}] is given again`);
  });
  const maxOriginals = options?.maxOriginals ?? 100_000;
  if (!Number.isInteger(maxOriginals) || maxOriginals < 0) problems.push('maxOriginals: must be an integer >= 0');
  const routes = options?.routes ?? [];
  if (!Array.isArray(routes)) problems.push('routes: must be an array');
  else problems.push(...routeProblems(routes, new Set(names)));
  if (problems.length > 0) {
    throw optionsError(problems.map((p) => ({ field: p.slice(0, p.indexOf(': ')), code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason: p.slice(p.indexOf(': ') + 2) })));
  }
  return { upstreams, names, strategy, maxOriginals, routes };
}
