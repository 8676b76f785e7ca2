/**
 * Which upstream each of the gateway's journal folders belongs to (journal-upstream.ts: the one home of the rule,
 * shared with `run`). The default folder is `upstream` in the per-user state folder for every lone-upstream gateway
 * of the user, whatever its `--upstream`: `gateway --check-config` and the start refuse a link whose journal still
 * owes entries recorded for another upstream (`ISO8583_ERR_GATEWAY_CONFIG` naming `--upstream` and the folder),
 * before any journal is opened; each link's start records its upstream in its folder once its journal is open (its
 * lock held) and before it connects (the connector's `beforeConnect`, {@link recordingUpstream}), checking again there
 * that the journal owes no other upstream. Nothing with `--no-reversal` or a PostgreSQL `--store` (no file journal:
 * the store records each key's upstream itself at open, connector pg/upstream-marker.ts).
 */
import { otherUpstreamText, recordUpstream, upstreamId } from '../journal-upstream.js';
import type { GatewayConfig } from './config.js';
import { gatewayError } from './errors.js';
import { fileJournalOf, groupUpstreams, upstreamAddressOf } from './upstream-options.js';
import type { GatewayUpstream } from './upstreams.js';

/**
 * Each upstream link with a file journal: its folder, its upstream (`host:port`) and the flag that names it. Read from
 * the config as the start places them (`journalDirOf`, `upstreamAddressOf`), no connector options built (no TLS file
 * read, no logger made).
 */
function journalsOf(config: GatewayConfig): LinkJournal[] {
  return (groupUpstreams(config) ?? [undefined]).flatMap((named) => {
    const journal = journalOf(config, named);
    return journal === undefined ? [] : [journal];
  });
}

/** A link's file journal: its folder, its upstream (`host:port`) and the flag that names it. */
interface LinkJournal {
  dir: string;
  upstream: string;
  flag: string;
}

/**
 * The file journal of the link `named` (one of several upstreams; `undefined`: the lone link), as the start places it
 * (`fileJournalOf`); `undefined` when it has none.
 */
function journalOf(config: GatewayConfig, named: GatewayUpstream | undefined): LinkJournal | undefined {
  const dir = fileJournalOf(config, named);
  if (dir === undefined) return undefined;
  const { host, port } = upstreamAddressOf(config, named);
  return { dir, upstream: upstreamId(host, port), flag: named === undefined ? '--upstream' : `--upstream ${named.name}` };
}

/** Throws `ISO8583_ERR_GATEWAY_CONFIG` naming `--upstream` when a link's journal owes entries recorded for another upstream. */
export function refuseOtherUpstreams(config: GatewayConfig): void {
  for (const { dir, upstream, flag } of journalsOf(config)) {
    let text: string | undefined;
    try {
      text = otherUpstreamText(dir, upstream, '--reversal-journal');
    } catch {
      continue; // Unreadable: the journal check and the start's own reading refuse it, naming why.
    }
    if (text !== undefined) throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${flag}: ${text}`, { field: '--upstream' });
  }
}

/**
 * The connector option that records the link `named`'s upstream in its journal folder (`undefined`: the lone link):
 * `beforeConnect`, which the connector calls once its journal is open (its lock held) and before it connects or sends
 * any entry the journal owes, so that a journal that came to owe another upstream since the start's first check (its
 * last process stopped meanwhile) is refused before anything reaches this one. It throws
 * `ISO8583_ERR_GATEWAY_CONFIG` naming `--upstream` and the folder when the marker cannot be written, or when the
 * journal owes entries recorded for another upstream (naming both); the start then fails with it. None (`{}`) with
 * `--no-reversal` or a PostgreSQL `--store` (no file journal).
 */
export function recordingUpstream(config: GatewayConfig, named: GatewayUpstream | undefined): { beforeConnect?: () => void } {
  const journal = journalOf(config, named);
  return journal === undefined ? {} : { beforeConnect: () => recordLinkUpstream(journal) };
}

/** Records `upstream` in `dir` (journal-upstream.ts `recordUpstream`), or throws its refusal (see {@link recordingUpstream}). */
function recordLinkUpstream({ dir, upstream, flag }: LinkJournal): void {
  let refusal: string | undefined;
  try {
    refusal = recordUpstream(dir, upstream, '--reversal-journal', 'gateway');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${flag}: the upstream ${upstream} cannot be recorded in the journal folder ${dir} (${reason})`, { field: '--upstream' });
  }
  if (refusal !== undefined) throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${flag}: ${refusal}`, { field: '--upstream' });
}
