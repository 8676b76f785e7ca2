/**
 * A flow's own listeners, checked at load as the gateway's `--check-config` checks its own (gateway/own-ports.ts,
 * gateway/upstream-loop.ts, by the same rules): two inbound endpoints, or an endpoint and the HTTP server, on one port
 * of one address (the start then failed with EADDRINUSE on the second, after `run --check` said the flow was valid),
 * and a connector aimed at the flow's own inbound endpoint (each request came back to the flow as a new POS request
 * and hung to its `sequenceTimeout`). Each problem names the later JSON path and the earlier one.
 */
import type { FieldProblem } from '@iso8583/codec';
import { overlap } from '../gateway/own-ports.js';
import { reaches } from '../gateway/upstream-loop.js';
import { bareHost } from '../gateway/listen-address.js';

/** The address an inbound endpoint or the HTTP server listens on when the flow gives none. */
const DEFAULT_HOST = '127.0.0.1';

/** One listener of the flow: the JSON path of its port, the port and its address. */
interface Listener {
  pointer: string;
  port: number;
  host: string;
}

function entries(value: unknown): [string, Record<string, unknown>][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).filter(
    (e): e is [string, Record<string, unknown>] => e[1] !== null && typeof e[1] === 'object' && !Array.isArray(e[1]),
  );
}

/** A listener of `options` at `base` when it has a fixed port (0, any free port, never collides). */
function listener(base: string, options: Record<string, unknown>): Listener[] {
  const { port, host } = options;
  if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0) return [];
  return [{ pointer: `${base}/port`, port, host: typeof host === 'string' ? host : DEFAULT_HOST }];
}

/** `host:port` as an address is written (`[::1]:8583` for IPv6). */
function address(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The problems of `flow` (after its placeholders): listeners sharing a port, connectors aimed at an endpoint. */
export function ownPortProblems(flow: Record<string, unknown> | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const endpoints = entries(flow?.inboundEndpoints).flatMap(([name, options]) => listener(`/inboundEndpoints/${name}`, options));
  const http = entries({ http: flow?.http }).flatMap(([, options]) => listener('/http', options));
  const listeners = [...endpoints, ...http];
  for (const [i, later] of listeners.entries()) {
    const earlier = listeners.slice(0, i).find((l) => l.port === later.port && overlap(l.host, later.host));
    if (earlier === undefined) continue;
    problems.push({ field: later.pointer, code: 'port', reason: `${later.port} is ${earlier.pointer}'s port too (on ${earlier.host}): each listener needs its own port` });
  }
  for (const [name, options] of entries(flow?.connectors)) {
    const { host, port } = options;
    if (typeof host !== 'string' || typeof port !== 'number') continue;
    const own = endpoints.find((l) => l.port === port && reaches(bareHost(host), bareHost(l.host)));
    if (own === undefined) continue;
    problems.push({
      field: `/connectors/${name}/port`,
      code: 'loop',
      reason: `${address(host, port)} is the flow's own inbound endpoint (${own.pointer.slice(0, -'/port'.length)} on ${address(own.host, own.port)}): its requests would come back to it; give the bank's address`,
    });
  }
  return problems;
}
