/**
 * The JSON shape of the HTTP port's own refusals, which come before any route: 421 a `Host` the port does not answer
 * (host-check.ts), 401 no token (console/access.ts), 403 a cross-site request, 400 a URL with a malformed escape
 * (not-found.ts). Clients written for SocketQueue read
 * every answer as `{ result, errors }` (`r.errors.join()`), so with SocketQueue's HTTP service a refusal outside the
 * console is in the routes' shape (`failureBody`: `{"result":"","errors":["..."]}`); the console's page reads
 * `{ error: { code, message } }` and keeps it, as does every request without SocketQueue's HTTP service.
 */
import { failureBody } from '@iso8583/connector';
import { errorBody } from '../console/access.js';
import type { RefusalBody } from '../console/access.js';

/** Whether a request URL is the console's (`/console`, `/console/...`). */
function consolePath(url: string): boolean {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path === '/console' || path.startsWith('/console/');
}

/** The refusal shape of an app whose routes answer in `answers`'s shape (SocketQueue's HTTP service), or none. */
export function refusalBody(answers: 'plain' | 'socketqueue' | undefined): RefusalBody {
  if (answers === undefined) return errorBody;
  return (request, err) => (consolePath(request.url) ? errorBody(request, err) : failureBody(answers, { code: err.code, message: err.message }));
}
