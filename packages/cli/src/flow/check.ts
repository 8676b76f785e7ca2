/**
 * `iso8583 run FLOW.json --check`: what the start reads before it opens a port, read and checked by the start's own
 * rules, and nothing more (no port opened, no journal folder or log file made, no lock taken): the HTTP token from
 * `--http-token`/`--http-token-file` (console/access.ts), the journal folders and the files in them, the sequences.
 * What `gateway --check-config` is to the gateway.
 */
import { TLS_INSECURE, tlsInsecureWarning } from '@iso8583/connector';
import { readHttpToken } from '../console/access.js';
import { openHttpWarning } from '../http/open-warning.js';
import type { Flow } from './load.js';
import { checkJournalDirs, refuseStoreOverJournal } from './options.js';
import { pointer } from './locate.js';
import { owedElsewhereWarnings, refuseOtherUpstreams } from './journal-owners.js';
import { FLOW_HTTP_SOURCE, flowHttpHost } from './run-options.js';
import { printable } from '../io.js';
import { resolveFlowSequences } from './sequences.js';
import type { FlowRunOptions } from './run-options.js';

/**
 * Checks `flow` (read from `file`) as {@link startFlow} would start it with `run`; throws the coded error the start
 * would throw (a token file that cannot be read names `--http-token-file`; a journal owing another upstream names
 * `/connectors/NAME/host`: journal-owners.ts). Resolves with what `--check` prints on
 * success: a `warning:` line for what loading warned of (a default journal folder that cannot be entered:
 * `ISO8583_WARN_JOURNAL_UNCHECKED`) and for each journal a connector with reversal or SAF on would send entries an
 * earlier run left from (options.ts `checkJournalDirs`), as the start logs them; one for each other folder of the
 * per-user state folder whose journal still owes a connector's upstream (a flow renamed: `ISO8583_WARN_JOURNAL_ELSEWHERE`,
 * journal-owners.ts); one `warning: ISO8583_WARN_TLS_INSECURE:
 * …` line for each connector whose host certificate is not verified (`tls.rejectUnauthorized` false, as each connector
 * logs it at start); one `warning: ISO8583_WARN_HTTP_OPEN:
 * …` line when the HTTP port is open to the network without a token (as the start logs it, and as `gateway
 * --check-config` prints it); then `flow NAME is valid`.
 */
export async function checkFlow(file: string, flow: Flow, run: FlowRunOptions): Promise<string> {
  const token = readHttpToken(run.httpToken, run.httpTokenFile);
  const journalWarnings = checkJournalDirs(file, flow.connectors);
  // A journal that owes entries recorded for another upstream: the start would send them there (journal-owners.ts).
  refuseOtherUpstreams(flow.connectors, file);
  refuseStoreOverJournal(flow.name, flow.connectors, file);
  await resolveFlowSequences(flow);
  const open = flow.http === undefined ? undefined : openHttpWarning(flowHttpHost(flow.http), token, FLOW_HTTP_SOURCE);
  const insecure = Object.entries(flow.connectors).map(([name, options]) => tlsInsecureWarning(options['tls'] as { rejectUnauthorized?: boolean } | undefined, pointer('connectors', name, 'tls', 'rejectUnauthorized')));
  const warnings = [
    ...(flow.warnings ?? []),
    ...journalWarnings,
    ...owedElsewhereWarnings(flow.connectors),
    ...insecure.filter((w) => w !== undefined).map((w) => `${TLS_INSECURE}: ${w}`),
    ...(open === undefined ? [] : [`ISO8583_WARN_HTTP_OPEN: ${open}`]),
  ];
  return `${warnings.map((line) => `warning: ${printable(line)}\n`).join('')}flow ${printable(flow.name)} is valid\n`;
}
