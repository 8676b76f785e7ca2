/**
 * `iso8583 load --fail-on LIST`: which outcomes of a run make its exit code {@link LOAD_FAIL_ON_EXIT} (a CI job that
 * loads a host wants a decline or a stray answer to fail it). Without it the exit code is as before: 0 when every
 * terminal asked for connected and every request asked for was sent and answered (declined or not), 1 otherwise, 130
 * (SIGINT) or 143 (SIGTERM) when interrupted.
 */
import { approvalCodesOf } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import { cliError } from '../args.js';
import { isNotAnswered } from './summary.js';
import type { LoadSummary } from './summary.js';

/** The exit code of a run in which an outcome named by `--fail-on` happened (not 0, 1, 2, 130 or 143). */
export const LOAD_FAIL_ON_EXIT = 3;

/**
 * The outcomes `--fail-on` can name: `unmatched` (answers that matched no request waiting), `declined` (requests
 * answered with a response code that is not one of the dialect's `approvalCodes`, or with none), `timeouts` (requests
 * not answered in time), `errors` (requests whose connection was lost while they waited, `closed`; whose answer did
 * not decode, `error`; and frames that did not decode and named no request, `undecodable`).
 */
export const FAIL_ON_KINDS = ['unmatched', 'declined', 'timeouts', 'errors'] as const;

/** One of {@link FAIL_ON_KINDS}. */
export type FailOnKind = (typeof FAIL_ON_KINDS)[number];


/**
 * Reads `--fail-on` (a comma-separated list of {@link FAIL_ON_KINDS}, in any order, each once or more). An empty list
 * or an unknown name: `ISO8583_ERR_CLI_OPTION` naming `--fail-on` and the names it takes.
 */
export function parseFailOn(text: string): FailOnKind[] {
  const names = text.split(',').map((s) => s.trim());
  const kinds = new Set<FailOnKind>();
  for (const name of names) {
    if (!(FAIL_ON_KINDS as readonly string[]).includes(name)) {
      const shown = /^[a-z-]{1,20}$/.test(name) ? `"${name}"` : name === '' ? 'an empty name' : 'a name';
      throw cliError('ISO8583_ERR_CLI_OPTION', `--fail-on takes a comma-separated list of ${FAIL_ON_KINDS.join(', ')}: ${shown} is none of them`, '--fail-on');
    }
    kinds.add(name as FailOnKind);
  }
  return [...kinds];
}

/** How many of each kind a run counted (every kind, zero included). */
export function failOnCounts(s: LoadSummary, dialect: Pick<Dialect, 'approvalCodes'>): Record<FailOnKind, number> {
  const approvals = approvalCodesOf(dialect);
  let declined = 0;
  for (const [key, n] of Object.entries(s.outcomes)) {
    if (!isNotAnswered(key) && !approvals.includes(key)) declined += n;
  }
  const outcome = (key: string): number => s.outcomes[key] ?? 0;
  return {
    unmatched: s.unmatched,
    declined,
    timeouts: outcome('timeout'),
    errors: outcome('closed') + outcome('error') + s.undecodable,
  };
}

/** The kinds of `failOn` the run counted at least once, with their counts (empty: none happened). */
export function failedOn(s: LoadSummary, dialect: Pick<Dialect, 'approvalCodes'>, failOn: readonly FailOnKind[]): Partial<Record<FailOnKind, number>> {
  const counts = failOnCounts(s, dialect);
  const hit: Partial<Record<FailOnKind, number>> = {};
  for (const kind of failOn) if (counts[kind] > 0) hit[kind] = counts[kind];
  return hit;
}
