/**
 * The start warning of an HTTP port open to the network without a token: `iso8583 gateway` (`--bind`, `--http-bind`)
 * and `iso8583 run` (the flow file's `/http/host`) serve the same surface (the connectors' routes, `/transactions`,
 * `/stats`, `/metrics`, the console), and both warn by this one rule.
 */
import type { Logger } from 'pino';

/** Whether `address` is a loopback address (127.0.0.0/8, `::1`, `localhost`): only the machine itself reaches it. */
export function isLoopback(address: string): boolean {
  const a = address.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return a === 'localhost' || a === '::1' || /^(::ffff:)?127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/.test(a);
}

/** Where the HTTP port's address was set, and how to keep it on loopback. */
export interface OpenHttpSource {
  /** The flag or flow-file path that named the address (`--bind`, `--http-bind`, `/http/host`). */
  flag: string;
  /** What keeps the port on this machine (`--http-bind 127.0.0.1`). */
  loopback: string;
}

/**
 * The text of `ISO8583_WARN_HTTP_OPEN` when the HTTP listener is bound to `address` beyond loopback and asks for no
 * token (anyone who reaches the address may send through the link, read `/transactions` and open the console), else
 * `undefined`: logged at start ({@link warnOpenHttp}) and printed by `gateway --check-config`.
 */
export function openHttpWarning(address: string, token: string | undefined, source: OpenHttpSource): string | undefined {
  if (token !== undefined || isLoopback(address)) return undefined;
  return `the HTTP port (its routes, /transactions, /console) is reachable beyond this machine and asks for no token: give --http-token-file, or ${source.loopback}`;
}

/** Logs `ISO8583_WARN_HTTP_OPEN` (warn) with {@link openHttpWarning}'s text when there is one. */
export function warnOpenHttp(address: string, token: string | undefined, source: OpenHttpSource, logger: Logger): void {
  const text = openHttpWarning(address, token, source);
  if (text !== undefined) logger.warn({ code: 'ISO8583_WARN_HTTP_OPEN', address, flag: source.flag }, text);
}
