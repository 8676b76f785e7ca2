/**
 * Where the token guard (guard.ts) reports: a log line for each peer it locks out (its address and the lockout, never
 * a token; at most 10 a minute) and the counter `iso8583_http_token_failures_total{outcome}` (`wrong`: a wrong token
 * compared; `locked_out`: a token refused unread, 429).
 */
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { SignInGuardOptions } from './guard.js';

/** The name of the guard's counter. */
export const TOKEN_FAILURES_METRIC = 'iso8583_http_token_failures_total';

/** The guard's `notice` and `count` for `logger` and `registry` (either may be absent: nothing told there). */
export function guardReporting(logger: Logger | undefined, registry: Registry | undefined): Pick<SignInGuardOptions, 'notice' | 'count'> {
  const out: Pick<SignInGuardOptions, 'notice' | 'count'> = {};
  if (logger !== undefined) {
    out.notice = (peer, lockoutMs, suppressed) => {
      const more = suppressed > 0 ? ` (${suppressed} more locked out since the last line)` : '';
      logger.warn(
        { peer, lockoutMs, ...(suppressed > 0 ? { suppressed } : {}) },
        `too many wrong tokens from ${peer}: its tokens are refused for ${Math.ceil(lockoutMs / 1000)} s${more}`,
      );
    };
  }
  if (registry !== undefined) {
    const counter =
      (registry.getSingleMetric(TOKEN_FAILURES_METRIC) as Counter<'outcome'> | undefined) ??
      new Counter({
        name: TOKEN_FAILURES_METRIC,
        help: 'Tokens the HTTP port refused: wrong (compared) or locked_out (its peer tried too many wrong ones; not compared).',
        labelNames: ['outcome'],
        registers: [registry],
      });
    out.count = (what) => counter.inc({ outcome: what === 'failure' ? 'wrong' : 'locked_out' });
  }
  return out;
}
