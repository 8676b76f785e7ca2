/**
 * The HTTP paths a flow's routes mount, checked against each other and the console's before anything starts: each
 * route prefix `P` mounts `POST P/` and `POST P/raw` (the connector's plugin, `routesPrefix`: trailing `/`s dropped),
 * which Fastify matches with a trailing `/` ignored, so `/a` and `/a/raw` collide (`/a/raw` twice), as does any path
 * under `/console` (the console's own: `/console/api/send`, its sign-in). Each was accepted by `run --check` and failed
 * the start with Fastify's uncoded `FST_ERR_DUPLICATED_ROUTE`; each is now a problem named at `/http/routes/NAME`.
 */
import type { FieldProblem } from '@iso8583/codec';
import { routesPrefix } from '@iso8583/connector';
import { pointer } from './locate.js';

/** The console's paths (`/console`, `/console/...`): no route may be mounted among them. */
function isConsolePath(path: string): boolean {
  return path === '/console' || path.startsWith('/console/');
}

/** The paths a route prefix mounts, as Fastify matches them (a trailing `/` ignored): `P` (or `/`) and `P/raw`. */
export function mountedPaths(prefix: string): [string, string] {
  const p = routesPrefix(prefix);
  return [p === '' ? '/' : p, `${p}/raw`];
}

/** The problems of `routes` (route name -> prefix, in the file's order): one prefix twice, paths that collide, console paths. */
export function routePathProblems(routes: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  // Each path mounted so far, by the route that mounts it and its prefix as given.
  const taken = new Map<string, { name: string; prefix: string }>();
  for (const [name, prefix] of Object.entries(routes)) {
    if (typeof prefix !== 'string') continue;
    const field = pointer('http', 'routes', name);
    const p = routesPrefix(prefix);
    const paths = mountedPaths(prefix);
    const console = paths.find(isConsolePath);
    if (console !== undefined) {
      problems.push({ field, code: 'route', reason: `${prefix} mounts POST ${console}, under /console, the console's own paths: give it another prefix` });
      continue;
    }
    const same = taken.get(paths[0]);
    if (same !== undefined && routesPrefix(same.prefix) === p) {
      problems.push({ field, code: 'route', reason: `${prefix} is ${same.name}'s route prefix too (POST ${p}/ and ${p}/raw): give each its own` });
      continue;
    }
    const clash = paths.map((path) => ({ path, other: taken.get(path) })).find((c) => c.other !== undefined);
    if (clash?.other !== undefined) {
      problems.push({ field, code: 'route', reason: `${prefix} mounts POST ${clash.path}, which ${clash.other.name}'s route prefix ${clash.other.prefix} mounts too: give each a prefix that is not the other's plus /raw` });
      continue;
    }
    for (const path of paths) taken.set(path, { name, prefix });
  }
  return problems;
}
