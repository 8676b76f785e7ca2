/**
 * An upstream that is one of the gateway's own listeners. The POS listener (`--upstream 127.0.0.1:8583` with
 * `--listen 8583`): every request the gateway forwards comes back to it as a new POS request, which it forwards
 * again, until its in-flight limit; no bank ever sees one. The HTTP port (the routes, the console, SocketQueue's HTTP
 * API), `--metrics` or `--stats-port`: each request goes to the gateway's own HTTP or stats server, never to a bank,
 * and fails. There is no legitimate use (the port is the gateway's, no other process can listen on it), so the start
 * and `--check-config` refuse it, naming the upstream's flag or config file key and the listener's flag.
 */
import { networkInterfaces } from 'node:os';
import { hostPort } from '@iso8583/connector/host-port';
import type { GatewayUpstream } from './upstreams.js';
import type { ListProblem } from './upstreams.js';
import { WILDCARD, addressesOf, bareHost, canonicalHost, holds } from './listen-address.js';
import type { OwnListener } from './own-ports.js';

/** Addresses ({@link canonicalHost}) a listener on a wildcard address answers on every machine: the loopback ones. */
const LOOPBACK = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1)$/;

/** `HOST` of `HOST:PORT` or `[V6]:PORT`, lower case and without brackets, and its port. */
function split(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = bareHost(address.slice(0, colon));
  return { host, port: Number(address.slice(colon + 1)) };
}

/** The machine's own addresses (every interface's), {@link canonicalHost}. */
function ownAddresses(): Set<string> {
  const own = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) own.add(canonicalHost(a.address));
  return own;
}

/**
 * Whether a connection to `host` reaches a listener bound to `bind` (the same port assumed), read as the own-ports
 * check reads addresses (listen-address.ts): `localhost` is 127.0.0.1 or ::1, whichever the resolver gives first, so
 * either; a wildcard bind answers on the loopback and the machine's own addresses of the family it holds (`0.0.0.0`
 * not on `::1`). (An upstream on the unspecified address itself, `0.0.0.0` or `::`, is refused before: upstreams.ts.)
 */
function reaches(host: string, bind: string): boolean {
  const binds = addressesOf(bind);
  return addressesOf(host).some((h) =>
    binds.some((b) => h === b || (WILDCARD.has(b) && holds(b, h) && (LOOPBACK.test(h) || ownAddresses().has(h)))),
  );
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
 * of `upstreams` is one of the gateway's own `listeners` (own-ports.ts `ownListeners`: POS, HTTP, metrics, stats). A
 * listener on port 0 (any free port) or off is never a loop. `lone`: where the single upstream was given; `undefined`
 * for named ones (`--upstream NAME=...`, `/upstreams/N/upstream`).
 */
export function checkUpstreamLoop(
  upstreams: readonly GatewayUpstream[],
  listeners: readonly OwnListener[],
  problem: { list: ListProblem; fromFile: boolean },
  lone?: LoneUpstream,
): void {
  for (const [i, u] of upstreams.entries()) {
    const { host, port } = split(u.upstream);
    const own = listeners.find((l) => l.port !== undefined && l.port !== 0 && l.port === port && reaches(host, l.host));
    if (own === undefined) continue;
    const flag = lone?.flag ?? '--upstream';
    // The flag leads the text when the flags gave it; the file's error leads with the file and its key already.
    const which = `${problem.fromFile ? '' : `${flag} `}${lone === undefined ? `${u.name}=` : ''}${u.upstream}`;
    const address = hostPort(own.host, String(own.port));
    const where = own.key === 'listen' ? address : `${own.flag}, ${address}`;
    const why = own.key === 'listen' ? 'its requests would come back to it' : 'its requests would go to the gateway itself, never to a bank';
    throw problem.list(`${which} is the gateway's own ${own.what} (${where}): ${why}; give the bank's address`, flag, lone?.key ?? `/upstreams/${i}/upstream`);
  }
}
