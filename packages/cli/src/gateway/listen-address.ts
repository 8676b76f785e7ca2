/**
 * How the own checks read a listener's address: the gateway's (the loop check, upstream-loop.ts; the own-ports check,
 * own-ports.ts) and a flow's (flow/own-ports.ts). One rule for the wildcard addresses and for the written forms of
 * one host, as Linux binds them: `0.0.0.0` holds a port on every IPv4 address only (a listener on `::1` beside it
 * starts), `::` (Node listens dual-stack) on every address, `localhost` on 127.0.0.1 or ::1 (whichever the resolver
 * gives first, so either), an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) on its IPv4 address, an IPv4 address in
 * a short form the resolver takes (`127.1`, `0x7f.1`, `2130706433`, `0`: inet_aton's rules) on the address it stands for.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The wildcard addresses: a listener bound to one of them holds its port on every address of its family. */
export const WILDCARD: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

/** `host` as the checks compare it: lower case, an IPv6 address without its brackets (`[::1]` -> `::1`). */
export function bareHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/**
 * The dotted-quad form of `host` when it is an IPv4 address written as the resolver (`getaddrinfo`, inet_aton's rules)
 * still reads it, which is where a listener given it binds: fewer parts (`127.1` -> `127.0.0.1`), one number
 * (`2130706433`, `0` -> `0.0.0.0`), hexadecimal or octal parts (`0x7f.1`, `0177.0.0.1`); `undefined` for anything else
 * (a name). The WHATWG URL parser's IPv4 rules are inet_aton's but for a trailing dot (`127.0.0.1.`, which inet_aton
 * refuses: left as written); only hexadecimal digits, `x` and dots are given to it, so it decodes nothing (no `%2e`).
 */
function dottedQuad(host: string): string | undefined {
  if (!/^[0-9][0-9a-fx.]*$/.test(host) || host.endsWith('.')) return undefined;
  let parsed: string;
  try {
    parsed = new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
  return isIPv4(parsed) ? parsed : undefined;
}

/**
 * `host` in the one form the checks compare: {@link bareHost}'s, an IPv6 address in its short form
 * (`0:0:0:0:0:0:0:1` -> `::1`), an IPv4-mapped one as its IPv4 address (`::ffff:127.0.0.1` -> `127.0.0.1`), the
 * empty host (Node's unspecified one) as `::`, an IPv4 address in a short form as its dotted quad (`127.1` ->
 * `127.0.0.1`, `0` -> `0.0.0.0`).
 */
export function canonicalHost(host: string): string {
  const bare = bareHost(host);
  if (bare === '') return '::';
  if (!isIPv6(bare)) return dottedQuad(bare) ?? bare;
  // A zone (`fe80::1%eth0`) is kept as written: the URL parser that shortens the address refuses one.
  const zone = bare.indexOf('%');
  if (zone !== -1) return `${canonicalHost(bare.slice(0, zone))}${bare.slice(zone)}`;
  const short = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(short);
  if (mapped === null) return short;
  const hi = parseInt(mapped[1] ?? '0', 16);
  const lo = parseInt(mapped[2] ?? '0', 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** The addresses a listener or a connection given `host` may use, each {@link canonicalHost}: `localhost` is two. */
export function addressesOf(host: string): string[] {
  const canonical = canonicalHost(host);
  return canonical === 'localhost' ? ['127.0.0.1', '::1'] : [canonical];
}

/**
 * Whether a listener bound to `bind` holds its port on `address` (both {@link canonicalHost}): the same address, or
 * `::` (every one), or `0.0.0.0` and an address that is not IPv6 (an IPv4 one, or a name that may resolve to one).
 */
export function holds(bind: string, address: string): boolean {
  if (bind === address || bind === '::') return true;
  return bind === '0.0.0.0' && !isIPv6(address);
}

/**
 * Whether listeners bound to `a` and `b` on one port collide (the second fails EADDRINUSE): either holds an address
 * of the other's (`localhost` and `127.0.0.1`; `::` and anything; `0.0.0.0` and an IPv4 address, not `::1`).
 */
export function overlap(a: string, b: string): boolean {
  const xs = addressesOf(a);
  const ys = addressesOf(b);
  return xs.some((x) => ys.some((y) => holds(x, y) || holds(y, x)));
}
