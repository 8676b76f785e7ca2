/**
 * The address a request of the HTTP port comes from, for counting wrong tokens (console/guard.ts): the socket's peer,
 * or, when that peer is a proxy the operator named (`trustedProxies`), the client the proxy says it forwards. Behind a
 * TLS-terminating proxy every browser reaches the port from the proxy's address (and by its public name): counted by
 * the socket alone, one client's wrong tokens would lock every other client of the proxy out. `X-Forwarded-For` is
 * read from the named proxies only (any client can send the header), and from its right end: the right-most entry
 * that is not itself a named proxy is the address the last proxy saw (what a client wrote at the left end is never
 * taken). A request from a named proxy without a usable entry there (no header, not an IP address) is counted by the
 * proxy's own address, as before.
 */
import { BlockList, isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { cliError } from '../args.js';

/** The option that names the proxies, in the errors about it. */
export const TRUSTED_PROXY_OPTION = '--http-trusted-proxy';

/** The gateway's words for the proxies: the flag, or its config file key (as `GATEWAY_TOKEN_NAMES` names the token's). */
export const GATEWAY_TRUSTED_PROXY_NAMES = `${TRUSTED_PROXY_OPTION} (config key httpTrustedProxy)`;

/** An IPv4 address as a dual-stack socket shows it (`::ffff:10.1.2.3`) written as IPv4, any other as it is. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped === null ? address : (mapped[1] as string);
}

/** The proxies whose `X-Forwarded-For` is read: addresses and subnets (`ADDRESS/PREFIX`), IPv4 and IPv6. */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly #empty: boolean;

  /**
   * Reads `entries` (each an IP address or `ADDRESS/PREFIX`); one that is neither is `ISO8583_ERR_CLI_OPTION` naming
   * `option` (default {@link TRUSTED_PROXY_OPTION}; the gateway's {@link GATEWAY_TRUSTED_PROXY_NAMES} name its config
   * key too) and the entry; its `field` is `field` (default `option`).
   */
  constructor(entries: readonly string[] = [], option = TRUSTED_PROXY_OPTION, field = option) {
    for (const entry of entries) {
      const [address = '', prefix, extra] = entry.trim().split('/');
      const family = isIP(plain(address));
      const bits = prefix === undefined ? undefined : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
      if (family === 0 || extra !== undefined || (bits !== undefined && !(bits <= (family === 4 ? 32 : 128)))) {
        const shown = /^[0-9A-Fa-f:./]{1,64}$/.test(entry) ? `"${entry}"` : 'an entry';
        throw cliError('ISO8583_ERR_CLI_OPTION', `${option}: ${shown} is not an IP address nor ADDRESS/PREFIX`, field);
      }
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.#list.addAddress(plain(address), type);
      else this.#list.addSubnet(plain(address), bits, type);
    }
    this.#empty = entries.length === 0;
  }

  /** Whether `address` (a socket's peer, an `X-Forwarded-For` entry) is one of the proxies. */
  has(address: string): boolean {
    if (this.#empty) return false;
    const ip = plain(address);
    const family = isIP(ip);
    return family !== 0 && this.#list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The address a request from socket peer `peer` is counted by: `peer`, or when it is one of the proxies the right-most
   * `X-Forwarded-For` entry that is not (an IP address; a bracketed or `:port` form is not taken), else `peer`.
   */
  clientOf(peer: string, headers: IncomingHttpHeaders): string {
    if (!this.has(peer)) return peer;
    const header = headers['x-forwarded-for'];
    if (header === undefined) return peer;
    const entries = (Array.isArray(header) ? header.join(',') : header).split(',');
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = (entries[i] as string).trim();
      if (isIP(entry) === 0) return peer;
      if (!this.has(entry)) return entry;
    }
    return peer;
  }
}

/**
 * The entries of a comma-separated list of proxies (`--http-trusted-proxy 10.0.0.5,fd00::/8`, blanks around each
 * dropped), checked as {@link TrustedProxies} reads them (`ISO8583_ERR_CLI_OPTION` naming `option`, its `field` `field`,
 * both default {@link TRUSTED_PROXY_OPTION}); `undefined`: none.
 */
export function trustedProxyList(text: string | undefined, option = TRUSTED_PROXY_OPTION, field = option): string[] | undefined {
  if (text === undefined) return undefined;
  const entries = text.split(',').map((e) => e.trim());
  new TrustedProxies(entries, option, field);
  return entries;
}

/**
 * The gateway's `httpTrustedProxy` (`--http-trusted-proxy` or the config file key) read as {@link trustedProxyList}
 * reads it, an error named in the gateway's words ({@link GATEWAY_TRUSTED_PROXY_NAMES}), its `field` the flag: what
 * `--check-config` and the start both read it by.
 */
export function gatewayTrustedProxyList(text: string | undefined): string[] | undefined {
  return trustedProxyList(text, GATEWAY_TRUSTED_PROXY_NAMES, TRUSTED_PROXY_OPTION);
}
