/**
 * What two parts of a flow cannot share, refused by loadFlow (so that `run --check` refuses what the start would): a
 * journal folder (each connector's journal takes the folder's lock: the second connector's start failed), and an
 * inbound endpoint's name (its metrics and log lines are by name: the second endpoint's start failed,
 * `ISO8583_ERR_INBOUND_OPTIONS`, with no JSON path). Each is named at the second one's JSON path, naming the first.
 */
import { resolve } from 'node:path';
import type { FieldProblem } from '@iso8583/codec';
import { pointer } from './locate.js';

type Options = Record<string, unknown>;

/** A connector's journal folder (resolved) and its JSON path, or undefined (no journal, or a `store`). */
function journalOf(name: string, options: Options): { dir: string; at: string } | undefined {
  if (options.store !== undefined) return undefined;
  for (const key of ['reversal', 'saf'] as const) {
    const dir = (options[key] as { journalDir?: unknown } | undefined)?.journalDir;
    if (typeof dir === 'string') return { dir: resolve(dir), at: pointer('connectors', name, key, 'journalDir') };
  }
  return undefined;
}

/**
 * Two connectors whose journal folders are one (as loadFlow placed them: paths resolved, a default folder per
 * connector; `j` and `./j/` are one): the second is refused at its `journalDir`, naming the first.
 */
export function sharedJournalProblems(connectors: Readonly<Record<string, Options>>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Map<string, { name: string; at: string }>();
  for (const [name, options] of Object.entries(connectors)) {
    const journal = journalOf(name, options);
    if (journal === undefined) continue;
    const first = seen.get(journal.dir);
    if (first === undefined) seen.set(journal.dir, { name, at: journal.at });
    else problems.push({ field: journal.at, code: 'journal', reason: `${journal.dir} is connector ${first.name}'s journal folder too (${first.at}): give each connector its own` });
  }
  return problems;
}

/** Two inbound endpoints with one effective name (`name`, else the key): the second is refused, naming the first. */
export function sharedEndpointNameProblems(endpoints: Readonly<Record<string, Options>>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Map<string, string>();
  for (const [key, options] of Object.entries(endpoints)) {
    const given = typeof options.name === 'string';
    const name = given ? (options.name as string) : key;
    const at = given ? pointer('inboundEndpoints', key, 'name') : pointer('inboundEndpoints', key);
    const first = seen.get(name);
    if (first === undefined) seen.set(name, at);
    else problems.push({ field: at, code: 'name', reason: `${name} is inbound endpoint ${first.split('/')[2] as string}'s name too (${first}): give each endpoint its own (its metrics and log lines are by name)` });
  }
  return problems;
}
