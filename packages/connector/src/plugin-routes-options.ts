/**
 * The check of the Fastify plugin's `routes` option (fastify-plugin.ts), at register: `false` (or absent) or an object
 * of only `prefix`, `answers`, `via` and `onUndelivered`, each of its type. A wrong one is refused with
 * `ISO8583_ERR_CONNECTOR_OPTIONS` naming it (`routes.answers`), never ignored: a misspelt `answers: 'socketQueue'` would
 * serve the plain body, a `via` that is no function would fail every request with 500.
 */
import type { FieldProblem } from '@iso8583/codec';
import { optionsError } from './errors.js';

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
