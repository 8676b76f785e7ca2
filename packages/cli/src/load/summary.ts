/**
 * The results of a load run: latency percentiles, throughput and outcomes (response code of field 39, or what
 * happened instead), as numbers and as the text and JSON that `iso8583 load` prints.
 */
import type { LatencySummary } from './latency.js';

/** The outcomes of a request written that are not its answer's response code (no answer, or none that could be read). */
export const NOT_ANSWERED = ['timeout', 'closed', 'error'] as const;

/** One of {@link NOT_ANSWERED}. */
export type NotAnsweredOutcome = (typeof NOT_ANSWERED)[number];

/** Whether `outcome` is one of {@link NOT_ANSWERED}. */
export function isNotAnswered(outcome: string): outcome is NotAnsweredOutcome {
  return (NOT_ANSWERED as readonly string[]).includes(outcome);
}

/** The most requests {@link LoadSummary.unanswered} lists. */
export const MAX_UNANSWERED_LISTED = 100;

/**
 * A purchase written and never answered (or answered unreadably), which the load does not reverse: what names it to
 * the host for a reconciliation (no card data).
 */
export interface UnansweredRequest {
  /** Its terminal, field 41 (`LD000001`, ...). */
  terminal: string;
  /** Its STAN, field 11. */
  stan: string;
  /** Its transmission date and time, field 7 (MMDDhhmmss, UTC). */
  transmission: string;
  /** Its amount, field 4 (minor units, 12 digits). */
  amount: string;
  /** What became of it: `timeout`, `closed` (its connection was lost while it waited), `error` (its answer did not decode). */
  outcome: NotAnsweredOutcome;
}

/** A purchase written and still waiting for its answer: what names it to the host (no card data). */
export type InFlightRequest = Pick<UnansweredRequest, 'terminal' | 'stan' | 'transmission'>;

/** What a load run measured. */
export interface LoadSummary {
  /** Clients (terminals) that were connected. */
  clients: number;
  /** Clients that could not connect. */
  connectFailures: number;
  /**
   * Clients among `clients` whose connection was lost before the run's end: closed by the host (at accept, say, a host
   * at its connection limit), reset, or cut for a broken framing. Their requests went through the other terminals, so
   * the run was not the load asked for: as with `connectFailures`, the exit code is 1 when it is not 0.
   */
  lostConnections: number;
  /** Requests written. */
  sent: number;
  /**
   * Requests asked for and never written because their connection was lost (the host closed it), a request queued for
   * the wire and dropped by that close before its write included. With `--count`, the count less `sent` (so `sent` +
   * `notSent` is the count), those left when every connection was lost included; with `--duration`, the requests
   * already due when their connection went. In a run interrupted (SIGINT, SIGTERM), with either, only the requests
   * already taken when their connection went: the requests the stop left unsent are in neither `sent` nor `notSent`.
   * They have no outcome. The slots counted in `behindSchedule` are among them.
   */
  notSent: number;
  /**
   * With `--duration` and `--rate`: the slots of the schedule due before the end of the duration that were never sent,
   * because every terminal was still waiting for answers (the host answered slower than the rate) when the duration
   * ended; they are counted in `notSent` (so the exit code is 1), and none is sent after the end. Default: absent (none).
   */
  behindSchedule?: number;
  /**
   * Requests answered by the host: a 0210 (the codec's response MTI of the 0200; with a 1993 dialect a 1210 to a 1200)
   * with the STAN of a request waiting on the same connection.
   */
  answered: number;
  /** Answers that decoded but matched no request waiting: another MTI than 0210 (1210), an unknown, late or repeated STAN. */
  unmatched: number;
  /**
   * Frames that did not decode and from which no waiting request could be read (no 0210 (1210) MTI and STAN); the
   * requests they answered, if any, end as `timeout`. An undecodable 0210 (1210) whose STAN can be read ends its request
   * as `error`.
   */
  undecodable: number;
  /**
   * Every connection was lost before the count was used up or the duration was over: the run stopped early.
   * Default: absent.
   */
  endedEarly?: boolean;
  /** Wall time of the run in milliseconds, from the first request to the last outcome. */
  durationMs: number;
  /** Answered requests per second over the run. */
  tps: number;
  /**
   * Latency of the answered requests, from the time each request was due (its slot under `--rate`, else the moment
   * it was written) to its answer, so queueing behind a slow host counts; `null` when none was answered (no figure
   * stands for "no answer").
   */
  latencyMs: LatencySummary | null;
  /**
   * The first {@link MAX_UNANSWERED_LISTED} purchases written that got no answer the run could read (`timeout`, `closed`,
   * `error` among the outcomes), in the order they ended. The load sends no reversal: the host may have booked them
   * (a simulator does), so they are listed to be reconciled or reversed. Default: absent (none).
   */
  unanswered?: UnansweredRequest[];
  /** The run was stopped before its end (SIGINT or SIGTERM): the figures are those of what was done. Default: absent. */
  interrupted?: boolean;
  /**
   * The stop signal that interrupted the run (with `interrupted`), set by `iso8583 load`. Default: absent (said as
   * SIGINT).
   */
  interruptedBy?: 'SIGINT' | 'SIGTERM';
  /**
   * Count per outcome of each request written (they add up to `sent`): the response code (field 39) of its answer
   * (`no-39` when it has none), `timeout` (no answer in time), `closed` (the connection was lost while it waited),
   * `error` (its answer, a 0210 (1210) with its STAN, did not decode).
   */
  outcomes: Record<string, number>;
  /**
   * The outcomes named by `iso8583 load --fail-on` that the run counted, with their counts (fail-on.ts): set by the
   * command when there is one (its exit code is then `LOAD_FAIL_ON_EXIT`). Default: absent.
   */
  failedOn?: Partial<Record<string, number>>;
}

function ms(n: number): string {
  return n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0);
}

/** The outcomes in a stable order: response codes ascending, then `timeout`, `closed`, `error`. */
export function sortedOutcomes(outcomes: Record<string, number>): [string, number][] {
  const rank = (k: string): string => (/^[0-9A-Z]{2,3}$/.test(k) ? `0${k}` : `1${k}`);
  return Object.entries(outcomes).sort(([a], [b]) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
}

/** What the transactions line says of the requests never sent: lost with their connection, or behind schedule. */
function notSentText(s: LoadSummary): string {
  const behind = s.behindSchedule ?? 0;
  const lost = s.notSent - behind;
  return (lost > 0 ? `; ${lost} never sent (connection lost)` : '') + (behind > 0 ? `; ${behind} not sent (behind schedule)` : '');
}

/** The purchases written that got no answer the run could read (the outcomes {@link NOT_ANSWERED}). */
function unansweredCount(s: LoadSummary): number {
  return NOT_ANSWERED.reduce((n, k) => n + (s.outcomes[k] ?? 0), 0);
}

/** The line of the purchases sent without an answer, which the load does not reverse: `listed` of `n` in `--json`. */
function notReversedText(listed: number, n: number): string {
  const which = listed < n ? `the first ${listed}` : 'them';
  return `not reversed  ${n} purchases sent got no answer (timeout, closed, error): the host may have booked them; --json lists ${which}`;
}

/** The summary as the lines `iso8583 load` prints. */
export function formatSummary(s: LoadSummary): string {
  const outcomes = sortedOutcomes(s.outcomes).map(([k, n]) => `${k}: ${n}`).join('  ') || 'none';
  const notes = [
    ...(s.connectFailures > 0 ? [`${s.connectFailures} could not connect`] : []),
    ...(s.lostConnections > 0 ? [`${s.lostConnections} closed or lost`] : []),
  ];
  const failures = notes.length > 0 ? ` (${notes.join(', ')})` : '';
  return [
    ...(s.interrupted === true ? [`interrupted   (${s.interruptedBy ?? 'SIGINT'}): the figures of what was done until then`] : []),
    `clients       ${s.clients}${failures}`,
    ...(s.endedEarly === true ? ['ended early   every connection was lost before the run was over'] : []),
    `transactions  ${s.answered} answered of ${s.sent} sent in ${(s.durationMs / 1000).toFixed(2)} s` +
      notSentText(s),
    `throughput    ${s.tps.toFixed(1)} tps`,
    s.latencyMs === null
      ? 'latency ms    - (nothing answered)'
      : `latency ms    p50 ${ms(s.latencyMs.p50)}  p95 ${ms(s.latencyMs.p95)}  p99 ${ms(s.latencyMs.p99)}  max ${ms(s.latencyMs.max)}`,
    `outcomes      ${outcomes}`,
    ...(s.unmatched > 0 ? [`unmatched     ${s.unmatched} answers matched no request waiting (not the purchase's answer MTI, or an unknown, late or repeated STAN)`] : []),
    ...(s.unanswered === undefined ? [] : [notReversedText(s.unanswered.length, unansweredCount(s))]),
    ...(s.undecodable > 0 ? [`undecodable   ${s.undecodable} frames did not decode and named no request waiting`] : []),
    ...(s.failedOn === undefined ? [] : [`failed on     ${Object.entries(s.failedOn).map(([k, n]) => `${k} ${String(n)}`).join(', ')} (--fail-on)`]),
    '',
  ].join('\n');
}

/** The progress line shown while a run goes on. */
export function formatProgress(sent: number, answered: number, failed: number, elapsedMs: number): string {
  const tps = elapsedMs > 0 ? (answered * 1000) / elapsedMs : 0;
  return `load: ${(elapsedMs / 1000).toFixed(0)} s  sent ${sent}  answered ${answered}  failed ${failed}  ${tps.toFixed(0)} tps`;
}
