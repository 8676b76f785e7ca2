/**
 * An upstream that is the gateway's own POS listener (`--upstream 127.0.0.1:8583` with `--listen 8583`): every request
 * the gateway forwards comes back to it as a new POS request, which it forwards again, until its in-flight limit; no
 * bank ever sees one. There is no legitimate use (the port is the gateway's, no other process can listen on it), so
 * the start and `--check-config` refuse it, naming the upstream's flag or config file key.
 */
import { networkInterfaces } from 'node:os';
import type { GatewayUpstream } from './upstreams.js';
import type { ListProblem } from './upstreams.js';
import { WILDCARD, bareHost } from './listen-address.js';

/** Addresses a listener on the wildcard address (`0.0.0.0`, `::`) answers on every machine: the loopback ones. */
const LOOPBACK = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/** `HOST` of `HOST:PORT` or `[V6]:PORT`, lower case and without brackets, and its port. */
function split(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = bareHost(address.slice(0, colon));
  return { host, port: Number(address.slice(colon + 1)) };
}

/** The machine's own addresses (every interface's), lower case. */
function ownAddresses(): Set<string> {
  const own = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) own.add(a.address.toLowerCase());
  return own;
}

/** Whether a connection to `host` reaches a listener bound to `bind` (the same port assumed; both as `bareHost` gives them). */
export function reaches(host: string, bind: string): boolean {
  if (host === bind) return true;
  if (WILDCARD.has(bind)) return LOOPBACK.test(host) || ownAddresses().has(host);
  // `localhost` is 127.0.0.1 or ::1, whichever the resolver gives first: either side written so reaches the other.
  if (host === 'localhost') return bind === '127.0.0.1' || bind === '::1';
  if (bind === 'localhost') return host === '127.0.0.1' || host === '::1';
  return false;
}

/** Where a lone upstream was given: its flag (`--upstream`, `--upstream-host`) and config file key (`/upstream`). */
export interface LoneUpstream {
  /** The flag named when the flags gave it. */
  flag: string;
  /** The config file key named when the file gave it. */
  key: string;
}

/**
 * Throws, through `problem.list` (the flag's `ISO8583_ERR_GATEWAY_CONFIG`, or the config file's naming its key;
 * `problem.fromFile` says which, so that the text names the flag only when the flags gave the upstream), when one
 * of `upstreams` is the POS listener `bind`:`listen` itself. `listen` 0 (any free port) is never a loop. `lone`: where
 * the single upstream was given; `undefined` for named ones (`--upstream NAME=...`, `/upstreams/N/upstream`).
 */
export function checkUpstreamLoop(
  upstreams: readonly GatewayUpstream[],
  listen: number,
  bind: string,
  problem: { list: ListProblem; fromFile: boolean },
  lone?: LoneUpstream,
): void {
  if (listen === 0) return;
  const own = bareHost(bind);
  for (const [i, u] of upstreams.entries()) {
    const { host, port } = split(u.upstream);
    if (port !== listen || !reaches(host, own)) continue;
    const flag = lone?.flag ?? '--upstream';
    // The flag leads the text when the flags gave it; the file's error leads with the file and its key already.
    const which = `${problem.fromFile ? '' : `${flag} `}${lone === undefined ? `${u.name}=` : ''}${u.upstream}`;
    throw problem.list(
      `${which} is the gateway's own POS listener (${bind.includes(':') ? `[${bind}]` : bind}:${listen}): its requests would come back to it; give the bank's address`,
      flag,
      lone?.key ?? `/upstreams/${i}/upstream`,
    );
  }
}
