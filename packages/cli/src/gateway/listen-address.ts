/**
 * How the gateway's own checks read a listener's address (the loop check, upstream-loop.ts; the own-ports check,
 * own-ports.ts): one rule for the wildcard addresses and for the written forms of one host.
 */

/** The wildcard addresses: a listener bound to one of them holds its port on every address of the machine. */
export const WILDCARD: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

/** `host` as the checks compare it: lower case, an IPv6 address without its brackets (`[::1]` -> `::1`). */
export function bareHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}
