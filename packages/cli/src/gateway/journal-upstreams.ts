/**
 * Which upstream each of the gateway's journal folders belongs to (journal-upstream.ts: the one home of the rule,
 * shared with `run`). The default folder is `upstream` in the per-user state folder for every lone-upstream gateway
 * of the user, whatever its `--upstream`: `gateway --check-config` and the start refuse a link whose journal still
 * owes entries recorded for another upstream (`ISO8583_ERR_GATEWAY_CONFIG` naming `--upstream` and the folder),
 * before any journal is opened; the start records each link's upstream in its folder once every journal is open
 * (their locks held). Nothing with `--no-reversal` or a PostgreSQL `--store` (no file journal).
 */
import { otherUpstreamText, recordUpstream, upstreamId } from '../journal-upstream.js';
import type { GatewayConfig } from './config.js';
import { gatewayError } from './errors.js';
import { groupUpstreams, journalDirOf, upstreamAddressOf } from './upstream-options.js';

/**
 * Each upstream link with a file journal: its folder, its upstream (`host:port`) and the flag that names it. Read from
 * the config as the start places them (`journalDirOf`, `upstreamAddressOf`), no connector options built (no TLS file
 * read, no logger made).
 */
function journalsOf(config: GatewayConfig): { dir: string; upstream: string; flag: string }[] {
  if (config.noReversal || config.store !== undefined) return [];
  return (groupUpstreams(config) ?? [undefined]).map((named) => {
    const { host, port } = upstreamAddressOf(config, named);
    return { dir: journalDirOf(config, named), upstream: upstreamId(host, port), flag: named === undefined ? '--upstream' : `--upstream ${named.name}` };
  });
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
 * Records each link's upstream in its journal folder; throws `ISO8583_ERR_GATEWAY_CONFIG` naming `--upstream` when one
 * cannot be written, or when the journal now owes entries recorded for another upstream (checked again under the lock).
 */
export function recordUpstreams(config: GatewayConfig): void {
  for (const { dir, upstream, flag } of journalsOf(config)) {
    let refusal: string | undefined;
    try {
      refusal = recordUpstream(dir, upstream, '--reversal-journal');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? String(err);
      throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${flag}: the upstream ${upstream} cannot be recorded in the journal folder ${dir} (${reason})`, { field: '--upstream' });
    }
    if (refusal !== undefined) throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${flag}: ${refusal}`, { field: '--upstream' });
  }
}
