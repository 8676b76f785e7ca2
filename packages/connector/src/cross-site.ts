/**
 * Cross-site requests: a web page a user opens can make the browser send a "simple" request (a form post, a
 * `text/plain` body, no preflight) to any address, a gateway on 127.0.0.1 among them, with whatever cookie the browser
 * holds. Routes that change state (anything but GET, HEAD and OPTIONS) refuse a request the browser marks as coming
 * from another site: `Sec-Fetch-Site: cross-site` or `same-site` (another port of the same host is another origin),
 * or an `Origin` whose host and port are not the request's `Host`. A client that is not a browser (curl,
 * SocketQueue's callers, the `iso8583` command) sends neither header and is not concerned.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Iso8583Error } from '@iso8583/codec';
import { connectorError } from './errors.js';

/** The methods that change nothing (RFC 9110 "safe"): never refused as cross-site. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host name and port of an `Origin` header (the port of its scheme when not written), lower case. */
function originOf(origin: string): { name: string; port: string } | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return { name: url.hostname.toLowerCase(), port: url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port };
  } catch {
    return undefined;
  }
}

/**
 * Whether an `Origin` names the server of a `Host` header: the same host name, and the same port, or, when `Host`
 * gives none (a TLS-terminating proxy that forwards the name), a default port (80, 443).
 */
function sameServer(origin: string, host: string): boolean {
  const o = originOf(origin);
  if (o === undefined) return false;
  const m = /^(\[[^\]]*\]|[^:]*)(?::([0-9]+))?$/.exec(host.trim().toLowerCase());
  if (m === null || m[1] !== o.name) return false;
  return m[2] === undefined ? o.port === '80' || o.port === '443' : m[2] === o.port;
}

/**
 * Why `request` is a cross-site request to a route that changes state (`ISO8583_ERR_CONNECTOR_CROSS_SITE`, answered
 * 403, naming the header), or `undefined` when it is not one: a safe method, a browser request from the page's own
 * origin, or a client that sends neither `Sec-Fetch-Site` nor `Origin`.
 */
export function crossSiteError(request: FastifyRequest): Iso8583Error | undefined {
  if (SAFE_METHODS.has(request.method)) return undefined;
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    return connectorError('ISO8583_ERR_CONNECTOR_CROSS_SITE', 'a request from another site is refused on a route that changes state', { field: 'sec-fetch-site' });
  }
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  const host = request.headers.host;
  if (host === undefined || !sameServer(origin, host)) {
    return connectorError('ISO8583_ERR_CONNECTOR_CROSS_SITE', 'a request whose Origin is not this server is refused on a route that changes state', { field: 'origin' });
  }
  return undefined;
}

/**
 * An `onRequest` hook that answers a cross-site request ({@link crossSiteError}) with 403 and `body(err, request)`,
 * before the body is read; any other request goes on.
 */
export function refuseCrossSite(body: (err: Iso8583Error, request: FastifyRequest) => unknown): (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> {
  return async (request, reply) => {
    const err = crossSiteError(request);
    if (err === undefined) return undefined;
    return reply.code(403).header('cache-control', 'no-store').send(body(err, request));
  };
}
