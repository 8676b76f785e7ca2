/**
 * The statement that takes a terminal's lock (terminal-lock.ts), and when to fall back from its form that sets its own
 * `lock_timeout` to the plain one. A PostgreSQL-compatible server, or a proxy in front of one, may refuse the setting
 * (`42704`: an unknown parameter; `0A000`: not supported): in the same statement as the lock, that refusal failed every
 * lock, where a refused connect-time `SET` only warned. The pool then takes its locks by trying them
 * ({@link LOCK_TRY}, again and again within what is left of the request's budget, terminal-lock.ts): a blocking
 * `pg_advisory_lock` given up on the client went on waiting on the server (a backend blocked on a lock does not read
 * its socket), one backend more past the pool's `max` for each request given up.
 */

/** The lock taken with its wait bounded by `lock_timeout` (`$3`, ms, set for this statement's transaction alone). */
export const LOCK_WITH_TIMEOUT = "SELECT set_config('lock_timeout', $3, true), pg_advisory_lock($1, $2)";

/** The lock tried without waiting (a server that refuses `lock_timeout`): `locked` is whether it was granted. */
export const LOCK_TRY = 'SELECT pg_try_advisory_lock($1, $2) AS locked';

/** The lock given back (at a request's end, and a lock granted to a try answered after its request gave up). */
export const LOCK_RELEASE = 'SELECT pg_advisory_unlock($1, $2)';

/** SQLSTATEs of a server that refuses `lock_timeout`: an unknown parameter, a feature not supported. */
const REFUSED = new Set(['42704', '0A000']);

/** Whether `err` (a failed {@link LOCK_WITH_TIMEOUT}) is the server refusing `lock_timeout`: fall back to {@link LOCK_TRY}. */
export function refusesLockTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && REFUSED.has(code);
}
