/**
 * What `iso8583 run` adds to a flow from its flags, and where a flow's HTTP server listens: read by the runner and by
 * `run --check`.
 */
import type { OpenHttpSource } from '../http/open-warning.js';
import { moduleFaultError } from './errors.js';
import type { Flow } from './load.js';

/** What `iso8583 run` adds to a flow from its flags (flag-table.ts `CONSOLE_ROWS`). */
export interface FlowRunOptions {
  /**
   * Log every message in and out (the inbound endpoints' and the connectors') and every HTTP request at `info`,
   * card data masked. Default `false` (a line per message at `debug`, its fields at `trace`).
   */
  logMessages?: boolean;
  /** No console at `/console`. Default `false` (the console is on when the flow has an HTTP section). */
  noConsole?: boolean;
  /** The console's workbench may send composed messages through the flow's connectors. Default `false` (403). */
  consoleSend?: boolean;
  /** Every HTTP route asks for this token. Default: none asked. */
  httpToken?: string;
  /** Minutes a console sign-in lasts (`--console-session-lifetime`). Default 480 (8 hours). */
  consoleSessionLifetime?: number;
  /** Mark the console's session cookie `Secure` (`--console-secure-cookie`: behind a TLS proxy). Default `false`. */
  consoleSecureCookie?: boolean;
  /** A file whose first line is the HTTP token. Default: none. */
  httpTokenFile?: string;
  /** The TLS proxies in front of the HTTP port (`--http-trusted-proxy`, http/trusted-proxies.ts). Default: none. */
  trustedProxies?: readonly string[];
  /**
   * Whether a fault was left while the flow starts (`run`'s process-faults.ts handler: a sequence module's top level
   * leaving a promise rejected): asked once the sequences are loaded, a turn of the event loop later, before any
   * journal, connector or listener opens; `true` fails the start with `ISO8583_ERR_FLOW_MODULE`. Default: not asked.
   */
  faulted?: () => boolean;
}

/** Where a flow's HTTP address is set, for `ISO8583_WARN_HTTP_OPEN` (logged at start, printed by `run --check`). */
export const FLOW_HTTP_SOURCE: OpenHttpSource = { flag: '/http/host', loopback: '"host": "127.0.0.1" in the flow file\'s http section' };

/** The address a flow's HTTP server listens on (`/http/host`). Default `127.0.0.1`. */
export function flowHttpHost(http: NonNullable<Flow['http']>): string {
  return http.host ?? '127.0.0.1';
}

/**
 * Fails a start whose {@link FlowRunOptions.faulted} says a fault was left (`ISO8583_ERR_FLOW_MODULE`): called once
 * the sequences are loaded, before any journal, connector or listener opens (mend68d #2). A rejection left by a
 * module's top level is told once the tick it was left in ends, so it asks past one turn of the event loop.
 */
export async function refuseFaultedStart(run: FlowRunOptions): Promise<void> {
  if (run.faulted === undefined) return;
  await new Promise((resolve) => setImmediate(resolve));
  if (run.faulted()) throw moduleFaultError();
}
