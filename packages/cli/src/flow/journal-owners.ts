/**
 * Which upstream each connector's journal folder of a flow belongs to (journal-upstream.ts: the one home of the rule,
 * shared with the gateway). `run --check` and the start refuse a connector whose journal still owes entries recorded
 * for another upstream (`ISO8583_ERR_FLOW_INVALID` naming `/connectors/NAME/host` and the folder), before any
 * connector opens its journal; each connector's start records its upstream in its folder once its journal is open (its
 * lock held: a second process on the same folder has failed by then, never rewritten the first's marker) and before it
 * connects or sends any entry (the connector's `beforeConnect`: {@link recordingUpstream}).
 */
import { dirname } from 'node:path';
import { defaultJournalDir } from '@iso8583/connector';
import { otherUpstreamText, owedElsewhere, recordUpstream, upstreamId } from '../journal-upstream.js';
import { flowError } from './errors.js';
import { pointer } from './locate.js';

type Options = Record<string, unknown>;

/**
 * Each connector with a file journal (no `store`): its name, journal folder (as loadFlow placed it) and upstream.
 * `opening`: only the connectors that open (and lock) their journal, reversal or SAF on; a connector with both off only
 * reads its journal (to refuse entries left unsent), holds no lock, and must never rewrite the folder's marker.
 */
function journalsOf(connectors: Record<string, Options>, opening = false): { name: string; dir: string; upstream: string; own: string }[] {
  const out: { name: string; dir: string; upstream: string; own: string }[] = [];
  for (const [name, options] of Object.entries(connectors)) {
    if (options.store !== undefined) continue;
    const { reversal, saf } = options as { reversal?: { enabled?: unknown; journalDir?: unknown }; saf?: { enabled?: unknown; journalDir?: unknown } };
    if (opening && reversal?.enabled !== true && saf?.enabled !== true) continue;
    const dir = saf?.journalDir ?? reversal?.journalDir;
    // The option that gives it a folder of its own: the one that places it (flow/options.ts: one or the other).
    const own = pointer('connectors', name, saf?.journalDir === undefined ? 'reversal' : 'saf', 'journalDir');
    if (typeof dir === 'string') out.push({ name, dir, upstream: upstreamId(options.host, options.port), own });
  }
  return out;
}

/**
 * Throws `ISO8583_ERR_FLOW_INVALID` naming `/connectors/NAME/host` (after `flow file FILE: ` when `file` is given) when
 * a connector's journal still owes entries recorded for another upstream: its start would send them to its own host.
 * A journal that cannot be read to tell is left to the start's or the check's own reading of it, which names it.
 */
export function refuseOtherUpstreams(connectors: Record<string, Options>, file?: string): void {
  for (const { name, dir, upstream, own } of journalsOf(connectors)) {
    let text: string | undefined;
    try {
      text = otherUpstreamText(dir, upstream, own);
    } catch {
      continue; // Unreadable: the check's and the start's own reading of the journal refuse it, naming why.
    }
    if (text === undefined) continue;
    const field = pointer('connectors', name, 'host');
    const given = file === undefined ? '' : `flow file ${file}: `;
    throw flowError('ISO8583_ERR_FLOW_INVALID', `${given}${field}: ${text}`, { field });
  }
}

/**
 * The connector option that records connector `name`'s upstream in its journal folder (journal-upstream.ts
 * `recordUpstream`): `beforeConnect`, which the connector calls once it holds its journal (its lock) and before it
 * connects or sends any entry the journal owes; none (`{}`) for a connector with neither reversal nor SAF on (it holds
 * no lock) or without a file journal. It throws `ISO8583_ERR_FLOW_INVALID` naming `/connectors/NAME/host`: with the
 * journal folder and the system's reason when the marker cannot be written; with {@link refuseOtherUpstreams}'s text
 * when the journal now owes entries recorded for another upstream (checked again under the lock: the folder's last
 * process may have stopped owing them since); the start then fails with it, nothing sent to this upstream.
 */
export function recordingUpstream(connectors: Record<string, Options>, name: string): { beforeConnect?: () => void } {
  const journal = journalsOf(connectors, true).find((j) => j.name === name);
  if (journal === undefined) return {};
  return { beforeConnect: () => recordConnectorUpstream(journal) };
}

/** Records a connector's upstream in its journal folder, or throws its refusal (see {@link recordingUpstream}). */
function recordConnectorUpstream({ name, dir, upstream, own }: { name: string; dir: string; upstream: string; own: string }): void {
  const field = pointer('connectors', name, 'host');
  let refusal: string | undefined;
  try {
    refusal = recordUpstream(dir, upstream, own, 'flow');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw flowError('ISO8583_ERR_FLOW_INVALID', `${field}: the upstream ${upstream} cannot be recorded in the journal folder ${dir} (${reason})`, { field });
  }
  if (refusal !== undefined) throw flowError('ISO8583_ERR_FLOW_INVALID', `${field}: ${refusal}`, { field });
}

/**
 * `run --check`'s warning lines for each connector journaling in the per-user state folder (its default folder,
 * `FLOW.CONNECTOR`): another folder there whose journal still owes entries recorded for the same upstream, which this
 * flow never sends (the flow, or its file, renamed since). `ISO8583_WARN_JOURNAL_ELSEWHERE: /connectors/NAME/host: ...`.
 */
export function owedElsewhereWarnings(connectors: Record<string, Options>): string[] {
  const state = dirname(defaultJournalDir('_'));
  const lines: string[] = [];
  for (const { name, dir, upstream } of journalsOf(connectors)) {
    if (dirname(dir) !== state) continue;
    for (const other of owedElsewhere(dir, upstream)) {
      lines.push(
        `ISO8583_WARN_JOURNAL_ELSEWHERE: ${pointer('connectors', name, 'host')}: the journal in ${other.dir} holds ${other.owed} for this upstream ${upstream}, ` +
          `which this flow (journaling in ${dir}) never sends: was the flow or its file renamed? Run it under its old name, or give it ` +
          `"journalDir": "${other.dir}" under "reversal", until they are sent`,
      );
    }
  }
  return lines;
}
