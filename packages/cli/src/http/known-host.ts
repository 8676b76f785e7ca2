/**
 * Which `Host` a request of the HTTP port names, and whether it is one the port knows: an IP address (IPv4, or IPv6 in
 * brackets), `localhost`, or the address the port is bound to. A web page on a name the attacker controls can re-point
 * that name to 127.0.0.1 (DNS rebinding) and then reach the port as its own origin, naming the attacker's name in
 * `Host`: the port without a token refuses such a request (host-check.ts); the port with one counts the wrong tokens of
 * the requests on such names apart from its address's own, all of an address's names under one count (console/guard.ts),
 * so that the page cannot lock the operator's address out, nor guess without bound by changing the name.
 */
import { isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

/** The longest host name kept (a DNS name's limit): a longer `Host` is cut to it. */
const HOST_NAME_LIMIT = 253;

/** The host name of a `Host` header (no port, no brackets), lower case, at most {@link HOST_NAME_LIMIT} characters. */
export function hostName(host: string): string {
  const lower = host.trim().toLowerCase();
  let name: string;
  if (lower.startsWith('[')) {
    const end = lower.indexOf(']');
    name = end < 0 ? lower : lower.slice(1, end);
  } else {
    const colon = lower.lastIndexOf(':');
    name = colon < 0 ? lower : lower.slice(0, colon);
  }
  return name.slice(0, HOST_NAME_LIMIT);
}

/** Whether a `Host` header names a host the port bound to `bound` knows (no `Host`, HTTP/1.0: yes). */
export function knownHost(host: string | undefined, bound: string | undefined): boolean {
  if (host === undefined) return true;
  const name = hostName(host);
  if (name === 'localhost' || isIP(name) !== 0) return true;
  return bound !== undefined && name === hostName(bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound);
}

/**
 * The host name of a request whose `Host` the port bound to `bound` does not know (a DNS-rebinding page's, or a TLS
 * proxy's public name), whoever sent it (a browser's `Origin` and `Sec-Fetch-*` headers are headers any program can
 * add); `undefined` for a known `Host` or none.
 */
export function unknownHostName(headers: IncomingHttpHeaders, bound: string | undefined): string | undefined {
  const host = headers.host;
  if (host === undefined || knownHost(host, bound)) return undefined;
  return hostName(host);
}
