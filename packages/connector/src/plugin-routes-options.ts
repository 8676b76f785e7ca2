/**
 * The check of the Fastify plugin's `routes` option (fastify-plugin.ts), at register: `false` (or absent) or an object
 * of only `prefix`, `answers`, `via` and `onUndelivered`, each of its type. A wrong one is refused with
 * `ISO8583_ERR_CONNECTOR_OPTIONS` naming it (`routes.answers`), never ignored: a misspelt `answers: 'socketQueue'` would
 * serve the plain body, a `via` that is no function would fail every request with 500.
 */
import type { FieldProblem } from '@iso8583/codec';
import type { FastifyInstance } from 'fastify';
import { connectorError, optionsError } from './errors.js';

/** The keys of the `routes` option. */
const ROUTES_KEYS: ReadonlySet<string> = new Set(['prefix', 'answers', 'via', 'onUndelivered']);

/** Throws `ISO8583_ERR_CONNECTOR_OPTIONS` naming every problem of the plugin's `routes` option; nothing when it is right. */
export function checkRoutesOption(routes: unknown): void {
  if (routes === undefined || routes === false) return;
  const problems: FieldProblem[] = [];
  const problem = (field: string, reason: string): void => void problems.push({ field, code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason });
  if (routes === null || typeof routes !== 'object' || Array.isArray(routes)) {
    problem('routes', 'must be false or an object of prefix, answers, via, onUndelivered');
  } else {
    const r = routes as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      if (!ROUTES_KEYS.has(key)) problem(`routes.${key}`, `is not an option of the routes (${[...ROUTES_KEYS].join(', ')})`);
    }
    if (r['prefix'] !== undefined && (typeof r['prefix'] !== 'string' || (r['prefix'] !== '' && !r['prefix'].startsWith('/')))) {
      problem('routes.prefix', "must be a string, '' or starting with /");
    }
    if (r['answers'] !== undefined && r['answers'] !== 'plain' && r['answers'] !== 'socketqueue') problem('routes.answers', 'must be plain or socketqueue');
    for (const key of ['via', 'onUndelivered']) {
      if (r[key] !== undefined && typeof r[key] !== 'function') problem(`routes.${key}`, 'must be a function');
    }
  }
  if (problems.length > 0) throw optionsError(problems);
}

/**
 * The prefix the routes are mounted at: `routes.prefix` (checked) without its trailing `/`s, so `/iso/` mounts the
 * routes of `/iso` (`POST /iso`, `POST /iso/`, `POST /iso/raw`), as a Fastify user means it (Fastify itself joins
 * `/iso/` and `/raw` as `/iso/raw`, but serves a `/` route under `/iso/` at `/iso/` and `/iso//`, not `/iso`); `'/'`
 * is `''`. Default `''`.
 */
export function routesPrefix(prefix: string | undefined): string {
  return (prefix ?? '').replace(/\/+$/, '');
}

/**
 * A route of the plugin's already served by another plugin or the app (`prefix` from {@link routesPrefix}, under the
 * app's own prefix, a trailing `/` of it dropped as Fastify joins them): `POST {prefix}` and `POST {prefix}/` (`POST /`
 * when both are empty), `POST {prefix}/raw`, and with `transactions` (the connector has a transaction log) `GET
 * {prefix}/transactions`. The first found is refused with `ISO8583_ERR_CONNECTOR_OPTIONS` naming `routes.prefix`, the
 * method and the path in conflict, not Fastify's uncoded duplicate-route error.
 */
export function refuseMountedPrefix(app: FastifyInstance, prefix: string, transactions: boolean): void {
  const at = `${routesPrefix(app.prefix)}${prefix}`;
  const routes: [method: 'GET' | 'POST', url: string][] = at === '' ? [['POST', '/']] : [['POST', at], ['POST', `${at}/`]];
  routes.push(['POST', `${at}/raw`]);
  if (transactions) routes.push(['GET', `${at}/transactions`]);
  const taken = routes.find(([method, url]) => app.hasRoute({ method, url }));
  if (taken === undefined) return;
  const reason = `${taken[0]} ${JSON.stringify(taken[1])} is already served (by another plugin's routes or the application's own): give each plugin a prefix of its own`;
  throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', reason, {
    field: 'routes.prefix',
    problems: [{ field: 'routes.prefix', code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason }],
  });
}
