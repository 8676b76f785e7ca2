/**
 * The key of a PostgreSQL store named by a connection string: what the journals of one process that share the store
 * (pg/stranded.ts: one count of the entries no node takes a minute, reported by one of them) look it up by. One
 * database is written many ways: `postgres://` or `postgresql://`, its port 5432 given or not, its host in any case,
 * its parameters in any order, a path of `/` or none. Each spelling would otherwise count as a store of its own: its
 * statement run, and its figure reported (the stranded gauge), once per spelling. The password (in the user info or a
 * `password` parameter) is no part of the key: one database reached with two passwords is one store, and the key
 * holds no secret to leak.
 */

/** The port a connection string without one reaches. */
const DEFAULT_PORT = '5432';

/**
 * The key of the store `url` names: `postgresql://USER@host:PORT/DB?a=1&b=2` with the alias `postgres://` read as
 * `postgresql://`, the host in lower case, the port 5432 when none is given, the parameters sorted (by name, then value)
 * and no password. A string that is not a URL is its own key.
 */
export function storeKey(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const protocol = u.protocol.toLowerCase();
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') return url;
  const params = [...u.searchParams].filter(([name]) => name !== 'password');
  params.sort(([a, x], [b, y]) => (a === b ? compare(x, y) : compare(a, b)));
  const query = new URLSearchParams(params).toString();
  const user = u.username === '' ? '' : `${u.username}@`;
  const path = u.pathname === '/' ? '' : u.pathname;
  return `postgresql://${user}${u.hostname.toLowerCase()}:${u.port === '' ? DEFAULT_PORT : u.port}${path}${query === '' ? '' : `?${query}`}`;
}

/** Code-unit order, the same on every machine (no locale). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
