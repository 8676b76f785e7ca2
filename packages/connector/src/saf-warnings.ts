/**
 * The SAF queue's capped warning lines (saf-queue.ts, saf-ends.ts, saf-unjournaled.ts): a backlog repeated to a host
 * that is down, or journaled on a full disk, would write one line per entry per retry, megabytes of log. The lines left
 * out are counted in the next one written (`suppressed`); every attempt and every end is still an event and a metric.
 */
import type { Logger } from 'pino';
import { LogLimits } from '@iso8583/metrics';
import { logCapped } from './quiet-log.js';

/**
 * Lines a second, at most, for each kind of "will repeat" warning (an attempt unanswered, by error code; one answered
 * with a code that does not end it), and for each code and journal state of the "cannot be journaled" lines.
 */
export const SAF_REPEAT_WARNINGS_PER_SECOND = 5;

/** The caps of the SAF queue's warning lines (see the file's note). */
export class SafWarnings {
  /** The cap on the "will repeat" warnings, per kind. */
  private readonly repeats = new LogLimits(SAF_REPEAT_WARNINGS_PER_SECOND);
  /** The cap on the "cannot be journaled" lines (an attempt's, saf-unjournaled.ts, and an end's, saf-ends.ts). */
  readonly journal = new LogLimits(SAF_REPEAT_WARNINGS_PER_SECOND);

  constructor(private readonly logger: Logger) {}

  /** A "will repeat" warning of kind `key`, unless its kind wrote its share this second (then counted for the next). */
  repeat(key: string, fields: Record<string, unknown>, msg: string): void {
    logCapped(this.logger, this.repeats, key, 'warn', fields, msg);
  }
}
