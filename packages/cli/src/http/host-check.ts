/**
 * The `Host` header of a port that asks for no token: a web page on a name the attacker controls can re-point that
 * name to 127.0.0.1 (DNS rebinding) and then read the port as its own origin (`/transactions`, the console). Such a
 * request carries the attacker's name in `Host`. Without a token, the port answers only requests whose `Host` is an
 * IP address (IPv4, or IPv6 in brackets), `localhost`, or the address it is bound to; any other name is refused with
 * 421 `ISO8583_ERR_CONSOLE_HOST`. A request without `Host` (HTTP/1.0) comes from no browser and goes on. With a token
 * the check is off (a rebound page has no token; a TLS proxy's public name must reach the port): the wrong tokens of a
 * browser's request on a name it does not know are counted apart from its address's (known-host.ts, console/access.ts).
 * The `--metrics` listener asks for no token and always checks.
 */
import type { FastifyInstance } from 'fastify';
import { consoleError } from '../console/errors.js';
import { errorBody } from '../console/access.js';
import type { RefusalBody } from '../console/access.js';
import { knownHost } from './known-host.js';

/**
 * Refuses (421) every request of `app` whose `Host` is not {@link knownHost} for the address `bound()` names: the HTTP
 * port without a token, and the `--metrics` listener (which never asks for one). `token`: the port could ask for a
 * token instead, and the answer says so. Default `true`. `body`: the JSON shape of the 421. Default `{ error: { code,
 * message, field } }`.
 */
export function requireKnownHost(app: FastifyInstance, bound: () => string | undefined, token = true, body: RefusalBody = errorBody): void {
  const text = `this port answers its own address, an IP address or localhost in Host${token ? ' (or a request with the token)' : ''}`;
  app.addHook('onRequest', async (request, reply) => {
    if (knownHost(request.headers.host, bound())) return undefined;
    const err = consoleError('ISO8583_ERR_CONSOLE_HOST', text, 'host');
    return reply.code(421).header('cache-control', 'no-store').send(body(request, { code: err.code, message: err.message, field: 'host' }));
  });
}
