/**
 * The reversals that undid nothing a connector forgot before their window closed (reversal-overtaken.ts: past its cap,
 * `OVERTAKEN_MAX`, the oldest first; or past the few kept under one STAN and terminal): should the host approve such a
 * reversal's original late, that approval is NOT reversed. Each one is counted (`ConnectorStats.safOvertakenDropped`,
 * the metric `iso8583_connector_saf_overtaken_dropped_total`) and named in a `warn` line
 * (`ISO8583_WARN_SAF_OVERTAKEN_DROPPED`: MTI, STAN, terminal, field 7, the code it was answered with; no card data), at
 * most {@link DROP_LOG_BURST} lines a {@link DROP_LOG_EVERY_MS}: a storm (a bank answering `25` to a thousand
 * timeouts) does not flood the log, and the next line logged says how many were not (`unlogged`); the counter has
 * them all.
 */
import type { IsoMessage } from '@iso8583/codec';
import type { Logger } from 'pino';

/** Most `ISO8583_WARN_SAF_OVERTAKEN_DROPPED` lines logged in one {@link DROP_LOG_EVERY_MS}: ten. */
export const DROP_LOG_BURST = 10;
/** The interval {@link DROP_LOG_BURST} counts in: one minute. */
export const DROP_LOG_EVERY_MS = 60_000;

/**
 * Why a reversal was forgotten early: past the cap of the whole memory (`OVERTAKEN_MAX`), or past the few kept under
 * one STAN and terminal (`PER_KEY`: transactions reusing it within the window).
 */
export type DropCause = 'OVERTAKEN_MAX' | 'PER_KEY';

/** Counts and logs the reversals that undid nothing forgotten early (see the file's note). */
export class OvertakenDrops {
  /** Reversals forgotten since the start. */
  count = 0;
  /** When the current interval began (ms since the epoch). */
  private since = -Infinity;
  /** Lines logged in the current interval. */
  private logged = 0;
  /** Drops not logged since the last line (past the burst). */
  private unlogged = 0;

  /**
   * @param logger Where each drop is logged (rate-limited).
   * @param max The cap the memory keeps (`OVERTAKEN_MAX`), named in the line.
   */
  constructor(
    private readonly logger: Logger,
    private readonly max: number,
  ) {}

  /**
   * The reversal `reversal` (answered `responseCode`, which undid nothing, first at `at`, epoch ms) was forgotten at
   * `now` before its window closed (`cause`): counted, and logged unless this interval's lines are spent.
   */
  dropped(reversal: IsoMessage, responseCode: string | undefined, at: number, cause: DropCause, now = Date.now()): void {
    this.count++;
    if (now - this.since >= DROP_LOG_EVERY_MS) {
      this.since = now;
      this.logged = 0;
    }
    if (this.logged >= DROP_LOG_BURST) {
      this.unlogged++;
      return;
    }
    this.logged++;
    const field = (f: string): string | undefined => (reversal[f] === undefined ? undefined : String(reversal[f]));
    this.logger.warn(
      {
        code: 'ISO8583_WARN_SAF_OVERTAKEN_DROPPED',
        cause,
        mti: field('0'),
        stan: field('11'),
        terminal: field('41'),
        transmission: field('7'),
        responseCode,
        since: new Date(at).toISOString(),
        max: this.max,
        dropped: this.count,
        ...(this.unlogged > 0 ? { unlogged: this.unlogged } : {}),
      },
      `a reversal answered with a code that undid nothing was forgotten before its original's late approval could come (${cause === 'OVERTAKEN_MAX' ? `past the ${this.max} remembered` : 'past the few remembered under one STAN and terminal'}, the oldest first): should its original be approved late, it is NOT reversed; check it with the host`,
    );
    this.unlogged = 0;
  }
}
