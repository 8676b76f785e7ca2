/**
 * The log line of a capped port (connection-cap.ts) that sheds connections: one `warn` line a second at most, with the
 * counts since the last one, so that a client opening connections as fast as it can fills no disk. The first shed is
 * told within a second; a port that sheds nothing writes nothing.
 */
import type { Logger } from 'pino';
import type { CapAnswers } from './connection-cap.js';

/** The shortest time between two lines of one port: 1000 ms. */
export const SHED_LOG_EVERY = 1_000;

/**
 * The `onShed` of {@link CapAnswers} for the port `port` (`http`, `metrics`, `stats`): counts each refusal (at the cap,
 * and at an address's share) and eviction
 * and writes them to `logger` at `warn`, at most one line each `every` ms (default {@link SHED_LOG_EVERY}).
 */
export function shedLog(logger: Logger | undefined, port: string, every = SHED_LOG_EVERY): NonNullable<CapAnswers['onShed']> {
  const counts = { refused: 0, refusedFromAddress: 0, evicted: 0 };
  let timer: NodeJS.Timeout | undefined;
  const write = (): void => {
    timer = undefined;
    const { refused, refusedFromAddress, evicted } = counts;
    counts.refused = 0;
    counts.refusedFromAddress = 0;
    counts.evicted = 0;
    logger?.warn({ port, refused, refusedFromAddress, evicted },
      `the ${port} port was at its connection cap: ${refused} new connection(s) refused, ${refusedFromAddress} refused at their address's share, ${evicted} held one(s) closed to make room`);
  };
  return (what) => {
    counts[what]++;
    timer ??= setTimeout(write, every).unref();
  };
}
