/**
 * Reading a flow file: JSON, `${VAR}` / `${VAR:-default}` placeholders taken from the environment, validation against
 * the flow schema (itself made of the manifest's schemas) and the libraries' own option validators, with every error
 * pointing at its path and line in the file, and every path the file gives (sequence modules, dialect files, journal
 * folders, the log file) resolved against the file's folder.
 */
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { FieldProblem } from '@iso8583/codec';
import { routeProblems, routesPrefix } from '@iso8583/connector';
import type { RouteRule, UpstreamStrategy } from '@iso8583/connector';
import { flowError } from './errors.js';
import { readFlagFile } from '../read-file.js';
import type { FileError } from '../read-file.js';
import { flowCheck, flowSchema } from './schema.js';
import { substitute } from './placeholders.js';
import { pointer, positionOf } from './locate.js';
import { routePathProblems } from './route-paths.js';
import { parseFlowText } from './json-text.js';
import { repeatedKeyProblems } from '../json-text.js';
import { connectorOptionsOf, connectorProblems, inboundOptionsOf, inboundProblems } from './options.js';
import { withoutEffectProblems } from './without-effect.js';
import { ownPortProblems } from './own-ports.js';
import { sharedEndpointNameProblems, sharedJournalProblems } from './shared-places.js';

/** An HTTP section of a flow. */
export interface FlowHttp {
  /** Address to listen on; beyond loopback without `--http-token`, the start logs `ISO8583_WARN_HTTP_OPEN`. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Connector or upstream group name -> route prefix. Default: no connector routes. */
  routes?: Record<string, string>;
  /**
   * Most HTTP connections at once (the gateway's `--http-max-connections`; an integer from 1): for a new one the oldest
   * without a request in progress is closed, and only when every one is mid-request is the new one refused (503).
   * Default 1000 (`DEFAULT_HTTP_MAX_CONNECTIONS`).
   */
  maxConnections?: number;
  /**
   * Most HTTP connections of one address (IPv6: one /64) at once (the gateway's `--http-max-connections-per-address`;
   * an integer from 1): at it, the address's own oldest without a request in progress is closed for its new one, else
   * the new one is refused (503). Default: `maxConnections` less a tenth (`defaultPerAddress` of @iso8583/inbound).
   */
  maxConnectionsPerAddress?: number;
  /**
   * Most pipelined HTTP requests held back at once across the port (the gateway's `--http-max-held-back`; an integer
   * from 1): beyond it the connection holding the most, whose answers it does not read, is closed. Default 16384
   * (`DEFAULT_HTTP_MAX_HELD_BACK`).
   */
  maxHeldBack?: number;
}

/** An upstream group of a flow: connectors of the flow, by name, behind one `request`/`sendMessage`. */
export interface FlowUpstreamGroup {
  /** Connector names, in order (the order of `failover`). */
  upstreams: string[];
  /** Default `failover`. */
  strategy?: UpstreamStrategy;
  /** Routing rules (their `upstream` is a connector name of this group). Default: none. */
  routes?: RouteRule[];
}

/** A validated flow file. Connector and endpoint options are passed to the libraries as they are. */
export interface Flow {
  /** The flow name (default: the file name without `.json`). */
  name: string;
  /** The flow file's folder: module paths are relative to it. */
  dir: string;
  /**
   * Outbound connectors by name, with their options as the connector gets them: `name` set, the dialect file and
   * journal folders resolved against {@link Flow.dir}, a reversal journal nobody placed in the per-user state folder.
   */
  connectors: Record<string, Record<string, unknown>>;
  /** Upstream groups by name (none when the file has none). */
  upstreamGroups: Record<string, FlowUpstreamGroup>;
  /**
   * Inbound endpoints by name; `sequence` and `onError` are absolute module paths or registered names, the dialect
   * file is resolved against {@link Flow.dir}.
   */
  inboundEndpoints: Record<string, Record<string, unknown> & { sequence: string; onError?: string }>;
  /** The HTTP server, when the flow has one. */
  http?: FlowHttp;
  /** Milliseconds SIGTERM waits. Default {@link DEFAULT_SHUTDOWN_DEADLINE} (10000). */
  shutdownDeadline: number;
  /** Milliseconds a sequence module may take to load. Default {@link DEFAULT_MODULE_LOAD_TIMEOUT} (10000). */
  moduleLoadTimeout?: number;
  /** Log level. Default `info`. */
  logLevel: string;
  /** Log file. Default: standard error. */
  logFile?: string;
  /**
   * What loading found worth a warning, not a refusal, one line each (the start logs them, `run --check` prints them):
   * a connector's default journal folder that cannot be entered to look for a journal an earlier run left
   * (`ISO8583_WARN_JOURNAL_UNCHECKED`, options.ts `connectorOptionsOf`). Default: none.
   */
  warnings?: string[];
}

/** How long a sequence module may take to load (its top-level code, `await` included), in ms: 10000. */
export const DEFAULT_MODULE_LOAD_TIMEOUT = 10_000;

/** Milliseconds a flow's stop waits when the flow file gives no `shutdownDeadline`: 10000. */
export const DEFAULT_SHUTDOWN_DEADLINE = 10_000;

/** The entries of `value` when it is a plain object (one the schema may have refused: then none). */
function ownEntries(value: unknown): [string, Record<string, unknown>][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).filter((e): e is [string, Record<string, unknown>] => e[1] !== null && typeof e[1] === 'object' && !Array.isArray(e[1]));
}

/** A sequence reference that is a module path (has a slash or a file extension), not a registered name. */
export function isModulePath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || /\.(m?js|cjs|ts)$/.test(ref);
}

/**
 * The prefix a route is mounted at (`POST <prefix>/`, `POST <prefix>/raw`): `/` is the root, trailing `/`s dropped, as
 * the connector's Fastify plugin reads `routes.prefix` (`routesPrefix`, its one home).
 */
export function routePrefix(prefix: string): string {
  return routesPrefix(prefix);
}

/** The problems of the flow's upstream groups: names shared with a connector, unknown upstreams, bad routes. */
function groupProblems(groups: Record<string, FlowUpstreamGroup>, connectors: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (typeof groups !== 'object' || groups === null) return problems;
  for (const [name, group] of Object.entries(groups)) {
    const at = pointer('upstreamGroups', name);
    if (Object.hasOwn(connectors, name)) problems.push({ field: at, code: 'name', reason: 'a connector has the same name: each name in context.connectors is one thing' });
    const upstreams = Array.isArray(group?.upstreams) ? group.upstreams : [];
    upstreams.forEach((u, i) => {
      if (typeof u === 'string' && !Object.hasOwn(connectors, u)) problems.push({ field: `${at}/upstreams/${i}`, code: 'connector', reason: 'names no connector of the flow' });
    });
    if (Array.isArray(group?.routes)) {
      for (const text of routeProblems(group.routes, new Set(upstreams))) {
        // `routes[2].upstream: ...` -> /upstreamGroups/NAME/routes/2/upstream
        const m = /^routes\[(\d+)\](?:\.(\w+))?: (.*)$/.exec(text);
        const field = m === null ? `${at}/routes` : `${at}/routes/${m[1]}${m[2] === undefined ? '' : `/${m[2]}`}`;
        problems.push({ field, code: 'route', reason: m === null ? text : (m[3] as string) });
      }
    }
  }
  return problems;
}

/**
 * Bytes a flow file may hold: 32 MiB. A flow carries its routing tables: 200,000 BIN routes written out one key a line
 * are about 12 MB (the 1 MiB of other flag files holds fewer than 20,000). A larger file, or a device that never ends
 * (`/dev/zero`), is refused before it is read.
 */
export const FLOW_FILE_LIMIT = 32 * 1024 * 1024;

/**
 * The text of the flow file `file`, read as every file the command is given is read (read-file.ts `readFlagFile`, named
 * `FLOW`): a regular file, or a pipe this process holds (`/dev/stdin`), of {@link FLOW_FILE_LIMIT} at most; a named
 * FIFO nobody writes, a device (`/dev/zero`) or a larger file is refused before a byte is read.
 * `ISO8583_ERR_FLOW_FILE` naming the file, with the reason (the system's, in words, or the rule's).
 */
function readFlowText(file: string): string {
  try {
    return readFlagFile(file, 'FLOW', FLOW_FILE_LIMIT);
  } catch (err) {
    // readFlagFile's text names the flag (`FLOW: `) and, for a system error, the file again: its bare `reason` is
    // taken, so that the flow error names the file once (a long path too, which that text does not show).
    const bare = (err as Partial<FileError> | null)?.reason;
    const reason = typeof bare === 'string' ? bare : err instanceof Error ? err.message : String(err);
    throw flowError('ISO8583_ERR_FLOW_FILE', `flow file ${file} cannot be read: ${reason}`, { field: file, cause: err });
  }
}

/**
 * Reads, checks and resolves a flow file (read by {@link readFlowText}'s rule: a regular file or a pipe of this process,
 * {@link FLOW_FILE_LIMIT} at most). Throws `ISO8583_ERR_FLOW_FILE` or `ISO8583_ERR_FLOW_INVALID`.
 */
export function loadFlow(file: string, env: NodeJS.ProcessEnv = process.env): Flow {
  const text = readFlowText(file);
  const { data, positions, repeated } = parseFlowText(file, text);
  const where = (pointer: string): string => {
    const p = positionOf(positions, pointer);
    return p === undefined ? `${file}: ${pointer}` : `${file}:${p.line}:${p.column} ${pointer}`;
  };
  const problems: FieldProblem[] = repeatedKeyProblems(repeated);
  const flow = substitute(data, env, '', problems, flowSchema()) as Record<string, unknown>;
  problems.push(...flowCheck()(flow));
  const connectors = (flow?.connectors ?? {}) as Record<string, unknown>;
  const groups = (flow?.upstreamGroups ?? {}) as Record<string, FlowUpstreamGroup>;
  problems.push(...groupProblems(groups, connectors));
  // A route must name a connector or an upstream group of the flow.
  const routes = ((flow?.http as { routes?: Record<string, string> } | undefined)?.routes ?? {}) as Record<string, string>;
  if (typeof routes === 'object' && routes !== null) {
    // The group carried by each first upstream (one plugin mounts one set of routes).
    const carried = new Map<string, string>();
    // The paths each route mounts, against each other's and the console's (route-paths.ts).
    problems.push(...routePathProblems(routes));
    for (const name of Object.keys(routes)) {
      if (!Object.hasOwn(connectors, name) && !Object.hasOwn(groups, name)) {
        problems.push({ field: pointer('http', 'routes', name), code: 'connector', reason: 'names no connector or upstream group of the flow' });
      }
      const first = Object.hasOwn(groups, name) ? groups[name]?.upstreams?.[0] : undefined;
      // A group's routes are mounted through its first upstream's plugin, which then has no routes of its own.
      if (first !== undefined && Object.hasOwn(routes, first)) {
        problems.push({ field: pointer('http', 'routes', name), code: 'connector', reason: `the group's first upstream ${first} has its own route: give the group's routes or ${first}'s, not both` });
      }
      const other = first === undefined ? undefined : carried.get(first);
      if (first !== undefined && other !== undefined) {
        problems.push({ field: pointer('http', 'routes', name), code: 'connector', reason: `upstream group ${other} has the same first upstream (${first}), which carries its routes: route one of the two groups` });
      } else if (first !== undefined) carried.set(first, name);
    }
  }
  const dir = dirname(resolve(file));
  const name = typeof flow?.name === 'string' ? flow.name : basename(file).replace(/\.json$/, '');
  // The options as the libraries will get them, checked by their own validators: each entry the schema found no fault in.
  const clean = (base: string): boolean => !problems.some((p) => p.field === base || p.field.startsWith(`${base}/`));
  const connectorOptions: Flow['connectors'] = {};
  const warnings: string[] = [];
  for (const [n, options] of ownEntries(flow?.connectors)) {
    connectorOptions[n] = connectorOptionsOf(dir, name, n, options, warnings);
    if (clean(pointer('connectors', n))) problems.push(...connectorProblems(n, connectorOptions[n]), ...withoutEffectProblems(n, options));
  }
  const inboundOptions: Record<string, Record<string, unknown>> = {};
  for (const [n, options] of ownEntries(flow?.inboundEndpoints)) {
    inboundOptions[n] = inboundOptionsOf(dir, options);
    if (clean(pointer('inboundEndpoints', n))) problems.push(...inboundProblems(n, inboundOptions[n]));
  }
  // Two listeners on one port of one address (each port and host the schema found no fault in).
  const listens = (base: string): boolean => clean(base) || (clean(`${base}/port`) && clean(`${base}/host`) && !problems.some((p) => p.field === base));
  const httpSection = flow?.http;
  const cleanHttp = httpSection !== null && typeof httpSection === 'object' && !Array.isArray(httpSection) && listens('/http') ? (httpSection as Record<string, unknown>) : undefined;
  const cleanEndpoints = Object.fromEntries(Object.entries(inboundOptions).filter(([n]) => listens(pointer('inboundEndpoints', n))));
  problems.push(...ownPortProblems(cleanEndpoints, cleanHttp));
  problems.push(...sharedJournalProblems(connectorOptions as Record<string, Record<string, unknown>>), ...sharedEndpointNameProblems(inboundOptions));
  if (problems.length > 0) {
    // In the order of the file, so the list reads top to bottom.
    const line = (pointer: string): number => {
      const p = positionOf(positions, pointer);
      return p === undefined ? 0 : p.line * 10_000 + p.column;
    };
    problems.sort((a, b) => line(a.field) - line(b.field));
    const located = problems.map((p) => ({ ...p, field: where(p.field) }));
    throw flowError('ISO8583_ERR_FLOW_INVALID', `flow file ${file} is invalid`, { field: file, problems: located });
  }
  const resolveRef = (ref: string): string => (isModulePath(ref) && !isAbsolute(ref) ? resolve(dir, ref) : ref);
  const inboundEndpoints: Flow['inboundEndpoints'] = {};
  for (const [n, options] of Object.entries(inboundOptions) as [string, Flow['inboundEndpoints'][string]][]) {
    const out = { ...options, sequence: resolveRef(options.sequence) };
    if (options.onError !== undefined) out.onError = resolveRef(options.onError);
    inboundEndpoints[n] = out;
  }
  const result: Flow = {
    name,
    dir,
    connectors: connectorOptions,
    upstreamGroups: groups,
    inboundEndpoints,
    shutdownDeadline: typeof flow.shutdownDeadline === 'number' ? flow.shutdownDeadline : DEFAULT_SHUTDOWN_DEADLINE,
    moduleLoadTimeout: typeof flow.moduleLoadTimeout === 'number' ? flow.moduleLoadTimeout : DEFAULT_MODULE_LOAD_TIMEOUT,
    logLevel: typeof flow.logLevel === 'string' ? flow.logLevel : 'info',
  };
  if (flow.http !== undefined) result.http = flow.http as FlowHttp;
  if (typeof flow.logFile === 'string') result.logFile = resolve(dir, flow.logFile);
  if (warnings.length > 0) result.warnings = warnings;
  return result;
}
