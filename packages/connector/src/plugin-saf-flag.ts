/**
 * The `saf` flag of a request to the Fastify plugin's routes (`POST /`, `POST /raw`): read from the query and the JSON
 * body, refused when bad or contradicting, and taken out of the body before its fields are read. Each of these routes
 * reads it first, so the check that the query holds only the routes' parameters is here too, and so are the query's
 * `?timeout=` and the keys a `POST /raw` JSON body may hold.
 */
import { maskFreeText } from '@iso8583/codec';
import type { FastifyRequest } from 'fastify';
import { connectorError } from './errors.js';
import { requestTimeoutProblem } from './timeouts.js';

/** The query parameters of the sending routes: `?saf=` and `?timeout=` (fastify-plugin.ts reads the latter). */
const QUERY_KEYS: ReadonlySet<string> = new Set(['saf', 'timeout']);

/** The longest query parameter name an error says whole. */
const MAX_KEY_SHOWN = 64;

/**
 * The `saf` flag of a request: `?saf=true` (or `1`) in the query, or `"saf": true` in a JSON body (beside the fields,
 * or beside `hex` on `/raw`). Given as anything else (`yes`, twice, a string in the body) it is refused with
 * `ISO8583_ERR_CONNECTOR_OPTIONS` naming `saf` (400), never ignored; so is a flag the query and the body give
 * differently (`?saf=true` with `"saf": false`): which one the caller meant (stored, or answered) is unknown. A query
 * parameter that is neither `saf` nor `timeout` (`?sfa=true`, `?timout=500`) is refused first, the same way, naming it
 * (never its value; a card number in the name masked): once ignored, a misspelt `?saf=` sent an advice online.
 */
export function safOf(request: FastifyRequest, body: unknown): boolean {
  const params = request.query as Record<string, unknown> | undefined;
  if (params !== null && typeof params === 'object') {
    for (const key of Object.keys(params)) {
      if (QUERY_KEYS.has(key)) continue;
      const field = shownKey(key);
      const reason = `is not a query parameter of this route (${[...QUERY_KEYS].join(', ')})`;
      throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', reason, { field, problems: [{ field, code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason }] });
    }
  }
  const raw = params?.saf;
  const inBody = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).saf : undefined;
  const bad = (reason = 'must be true or false'): never => {
    throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', reason, { field: 'saf', problems: [{ field: 'saf', code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason }] });
  };
  let query = false;
  if (raw !== undefined) {
    if (raw === 'true' || raw === '1') query = true;
    else if (raw !== 'false' && raw !== '0') bad();
  }
  if (inBody !== undefined && typeof inBody !== 'boolean') bad();
  if (raw !== undefined && inBody !== undefined && inBody !== query) bad('is given differently in the query and the body');
  return query || inBody === true;
}

/**
 * A key as an error names it: as the client wrote it, but a card number written as a key (`?4761+7390+0101+0010=1`)
 * masked, then a long one cut (masked first: a cut through a card number would leave digits too few for the mask to
 * see).
 */
function shownKey(key: string): string {
  const masked = maskFreeText(key);
  return masked.length > MAX_KEY_SHOWN ? `${masked.slice(0, MAX_KEY_SHOWN)}...` : masked;
}

/** The keys of a JSON body of `POST /raw`. */
const RAW_BODY_KEYS: ReadonlySet<string> = new Set(['hex', 'saf']);

/**
 * Refuses a JSON body of `POST /raw` holding a key other than `hex` and `saf` (`"sfa": true`, `"timeout": 500`) with
 * `ISO8583_ERR_CONNECTOR_INPUT` (400) naming the first such key (masked as a query parameter's name is), before the hex
 * is read: once ignored, a misspelt `"saf"` sent an advice online.
 */
export function refuseRawBodyKeys(body: object): void {
  for (const key of Object.keys(body)) {
    if (RAW_BODY_KEYS.has(key)) continue;
    const field = shownKey(key);
    const reason = `is not a key of this route's JSON body (${[...RAW_BODY_KEYS].join(', ')})`;
    throw connectorError('ISO8583_ERR_CONNECTOR_INPUT', reason, { field, problems: [{ field, code: 'ISO8583_ERR_CONNECTOR_INPUT', reason }] });
  }
}

/**
 * The `?timeout=MS` query of a route: absent, the connector's `requestTimeout`; otherwise digits only. Anything else
 * (`abc`, `1.5`, `-1`, empty, given twice) becomes NaN, which the connector refuses like a number out of range (0, or
 * over `MAX_REQUEST_TIMEOUT`): `ISO8583_ERR_CONNECTOR_OPTIONS` naming `timeout`, answered with 400. It is never
 * ignored: a caller who asked for a timeout must not silently get another. With `saf` (`stored`) a bad one is refused
 * here, the same way, before anything is stored; a valid one is unused (the message is stored, not awaited: the SAF
 * queue has its own timeout).
 */
export function timeoutOf(request: FastifyRequest, stored = false): number | undefined {
  const raw = (request.query as Record<string, unknown> | undefined)?.timeout;
  if (raw === undefined) return undefined;
  const timeout = typeof raw === 'string' && /^[0-9]{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (stored) {
    const problem = requestTimeoutProblem(timeout);
    if (problem !== undefined) throw problem;
  }
  return timeout;
}

/** A JSON message body without its `saf` flag (not a field). */
export function withoutSaf(body: Record<string, unknown>): Record<string, unknown> {
  if (!('saf' in body)) return body;
  const { saf: _saf, ...fields } = body;
  return fields;
}
