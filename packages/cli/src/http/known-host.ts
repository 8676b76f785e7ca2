/**
 * Which `Host` a request of the HTTP port names, and whether it is one the port knows: an IP address (IPv4, or IPv6 in
 * brackets), `localhost`, or the address the port is bound to. A web page on a name the attacker controls can re-point
 * that name to 127.0.0.1 (DNS rebinding) and then reach the port as its own origin, naming the attacker's name in
 * `Host`: the port without a token refuses such a request (host-check.ts); the port with one counts the wrong tokens of
 * a browser's request on such a name apart from its address's (console/access.ts), so that the page cannot lock the
 * operator's address out.
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
 * Whether a browser sent the request: it carries `Origin` or a `Sec-Fetch-*` header (a page's `fetch`, an `<img>`, a
 * form, a navigation). Programs (curl, SocketQueue's callers, the `iso8583` command) send none.
 */
export function fromBrowser(headers: IncomingHttpHeaders): boolean {
  if (headers.origin !== undefined) return true;
  for (const name of Object.keys(headers)) if (name.startsWith('sec-fetch-')) return true;
  return false;
}

/**
 * The host name of a browser's request whose `Host` the port bound to `bound` does not know (a DNS-rebinding page's,
 * or a TLS proxy's public name); `undefined` for a program's request or a known `Host`.
 */
export function browserOnUnknownHost(headers: IncomingHttpHeaders, bound: string | undefined): string | undefined {
  const host = headers.host;
  if (host === undefined || knownHost(host, bound) || !fromBrowser(headers)) return undefined;
  return hostName(host);
}
