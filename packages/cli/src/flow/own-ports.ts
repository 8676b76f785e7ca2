/**
 * A flow's own listeners (each inbound endpoint's `port` on its `host`, the HTTP server's `/http/port` on
 * `/http/host`) on one port of one address: `run --check` said the flow was valid and the start then failed,
 * `ISO8583_ERR_CLI_LISTEN` (EADDRINUSE), on the second one. Refused by both, naming the later listener's JSON path and
 * the earlier one's, as the gateway's own-ports check does (gateway/own-ports.ts; one reading of addresses,
 * gateway/listen-address.ts).
 */
import type { FieldProblem } from '@iso8583/codec';
import { overlap } from '../gateway/listen-address.js';
import { pointer } from './locate.js';

/** The address an inbound endpoint or the flow's HTTP server listens on when the file gives none. */
const DEFAULT_HOST = '127.0.0.1';

/** One listener of a flow: the JSON path of its port, its port and its address. */
interface Listener {
  at: string;
  port: unknown;
  host: unknown;
}

/**
 * The problems (`code` `port`) of a flow whose listeners (`endpoints`: each inbound endpoint's options by name;
 * `http`: the HTTP section, if any) would listen on one port of one address, each named by the later listener's port
 * (`/inboundEndpoints/pos2/port`, `/http/port`). Port 0 (any free one) never collides. None when each has its own.
 */
export function ownPortProblems(endpoints: Readonly<Record<string, Record<string, unknown>>>, http: Record<string, unknown> | undefined): FieldProblem[] {
  const listeners: Listener[] = Object.entries(endpoints).map(([name, o]) => ({ at: pointer('inboundEndpoints', name, 'port'), port: o.port, host: o.host }));
  if (http !== undefined) listeners.push({ at: '/http/port', port: http.port, host: http.host });
  const problems: FieldProblem[] = [];
  const hostOf = (l: Listener): string => (typeof l.host === 'string' ? l.host : DEFAULT_HOST);
  for (const [i, later] of listeners.entries()) {
    if (typeof later.port !== 'number' || later.port === 0) continue;
    const earlier = listeners.slice(0, i).find((l) => l.port === later.port && overlap(hostOf(l), hostOf(later)));
    if (earlier === undefined) continue;
    problems.push({ field: later.at, code: 'port', reason: `${later.port} is ${earlier.at}'s port too (on ${hostOf(earlier)}): each listener needs its own port` });
  }
  return problems;
}
