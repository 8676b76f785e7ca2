/**
 * The reversals that undid nothing forgotten before their window closed: by the connector's memory
 * (reversal-overtaken.ts: past its cap, `OVERTAKEN_MAX`, the oldest first; or past the few kept under one STAN and
 * terminal), or by the file journal's records (journal-overtaken.ts: past its own cap, the oldest first). The two caps
 * differ (the memory keeps at most 8 under one STAN and terminal and moves a key to the end on each note; the journal
 * keeps records in the order their ends took effect, and drops those past their window at a compaction), so they may
 * drop different reversals: should the host approve such a reversal's original late, that approval is NOT reversed
 * while running (memory), or the next start may not repeat it (journal: not once a compaction wrote it without it); a record one drops and the other keeps may
 * still be repeated at the next start. Each drop is counted (`ConnectorStats.safOvertakenDropped`, the metric
 * `iso8583_connector_saf_overtaken_dropped_total`: each source's, so a reversal both drop counts twice) and named in a
 * `warn` line (`ISO8583_WARN_SAF_OVERTAKEN_DROPPED`, `source`: `memory` or `journal`; MTI, STAN and terminal as the
 * codec's `summarize` shows them, field 7, the code it was answered with; no card data), at most
 * {@link DROP_LINES_PER_SECOND} a second (`LogLimit`): a storm (a bank answering `25` to a thousand timeouts) does not
 * flood the log, and the next line logged says how many were not (`suppressed`); the counter has them all. A logger
 * that throws is ignored (`logQuietly`): the drop happens while an answer ends a SAF entry.
 */
import { summarize } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { LogLimit } from '@iso8583/metrics';
import type { Logger } from 'pino';
import { logQuietly } from './quiet-log.js';

/** Most `ISO8583_WARN_SAF_OVERTAKEN_DROPPED` lines logged a second: one (the others counted in the next, `suppressed`). */
export const DROP_LINES_PER_SECOND = 1;

/**
 * Why a reversal was forgotten early: past the cap of the whole memory or journal (`OVERTAKEN_MAX`), or past the few
 * the memory keeps under one STAN and terminal (`PER_KEY`: transactions reusing it within the window).
 */
export type DropCause = 'OVERTAKEN_MAX' | 'PER_KEY';

/** What forgot it: the connector's memory (reversal-overtaken.ts) or the file journal's records (journal-overtaken.ts). */
export type DropSource = 'memory' | 'journal';

/** The longest field 7 named as it is (`MMDDhhmmss`); a longer one is left out (it is no transmission time). */
const TRANSMISSION_LENGTH = 10;

/** Counts and logs the reversals that undid nothing forgotten early (see the file's note). */
export class OvertakenDrops {
  /** Reversals forgotten since the start, by either source. */
  count = 0;
  private readonly limit: LogLimit;

  /**
   * @param logger Where each drop is logged (rate-limited, quietly).
   * @param max The cap the memory and the journal keep (`OVERTAKEN_MAX`), named in the line.
   * @param now The clock the rate limit reads, in milliseconds (default `performance.now()`).
   */
  constructor(
    private readonly logger: Logger,
    private readonly max: number,
    now?: () => number,
  ) {
    this.limit = new LogLimit(DROP_LINES_PER_SECOND, now);
  }

  /**
   * The reversal `reversal` (answered `responseCode`, which undid nothing, first at `at`, epoch ms) was forgotten by
   * `source` before its window closed (`cause`): counted, and logged unless this second's line is spent. Never throws.
   */
  dropped(reversal: IsoMessage, responseCode: string | undefined, at: number, cause: DropCause, source: DropSource = 'memory'): void {
    this.count++;
    const suppressed = this.limit.take();
    if (suppressed === undefined) return;
    const named: IsoMessage = {};
    for (const f of ['0', '11', '41']) if (typeof reversal[f] === 'string') named[f] = reversal[f];
    const seven = reversal['7'];
    const fields = {
      code: 'ISO8583_WARN_SAF_OVERTAKEN_DROPPED',
      cause,
      source,
      ...summarize(named),
      ...(typeof seven === 'string' && seven.length <= TRANSMISSION_LENGTH ? { transmission: seven } : {}),
      responseCode: typeof responseCode === 'string' ? summarize({ '39': responseCode }).responseCode : undefined,
      since: new Date(at).toISOString(),
      max: this.max,
      dropped: this.count,
    };
    const by = source === 'memory'
      ? `the connector's memory (${cause === 'OVERTAKEN_MAX' ? `past the ${this.max} remembered` : 'past the few remembered under one STAN and terminal'}, the oldest first): should its original be approved late, it is NOT reversed while running (the next start may still repeat it from the file journal)`
      : `the file journal (past the ${this.max} it keeps, the oldest first): the next start may not repeat it (not once a compaction wrote the journal without it; while running, the memory may still reverse a late approval of it)`;
    logQuietly(this.logger, 'warn', suppressed > 0 ? { ...fields, suppressed } : fields, `a reversal answered with a code that undid nothing was forgotten by ${by}; check it with the host`);
  }
}
