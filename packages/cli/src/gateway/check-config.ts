/**
 * `iso8583 gateway --check-config`: everything the gateway would read before it opens a socket, read and checked
 * (flags, the config file, the dialect, every upstream's connector options, the TLS files, the HTTP token file, the
 * journal folders and the files in them the start opens), and nothing more: no port opened, no journal folder or log file made, no journal lock taken. What a service manager's
 * `ExecStartPre` or a deploy script runs.
 */
import { pino } from 'pino';
import { TLS_INSECURE } from '@iso8583/connector';
import type { Dialect } from '@iso8583/codec';
import type { GatewayConfig } from './config.js';
import { upstreamOptions } from './upstream-options.js';
import { checkedPosDialect } from './dialects.js';
import { gatewayTlsInsecureWarning } from './tls-insecure-flag.js';
import { posTlsOptions } from './tls.js';
import { checkJournalDirs } from './journal-check.js';
import { refuseOtherUpstreams } from './journal-upstreams.js';
import { GATEWAY_TOKEN_NAMES, readHttpToken } from '../console/access.js';
import { gatewayTrustedProxyList } from '../http/trusted-proxies.js';
import { gatewayOpenHttpWarning, httpBindOf, rawDialectsWarning } from './http-warnings.js';
import { approvalFitWarnings } from './approval-fit.js';
import type { UpstreamDialect } from './approval-fit.js';

/**
 * Checks `config` as {@link startGateway} would use it; throws the same coded error the start would throw (a TLS file
 * or `--http-token-file` that cannot be read or used names its flag or config key; a journal folder, or a file in it,
 * this user cannot open names `--reversal-journal`, the file and the system's reason). Returns the one-line summary printed on success, after a
 * `warning:` line for each upstream whose approval codes the POS dialect cannot carry (approval-fit.ts), one for
 * upstreams of different dialects behind the HTTP port (`POST /raw` refused, `rawDialectsWarning`) and one for an HTTP
 * port open to the network without a token (`ISO8583_WARN_HTTP_OPEN`, as the start logs it), one when an upstream's
 * certificate is not verified (`--tls-insecure`: `ISO8583_WARN_TLS_INSECURE`, as each connector logs it), one for each folder
 * under `--reversal-journal` that cannot be entered to look for a stranded journal (`ISO8583_WARN_JOURNAL_UNCHECKED`:
 * journal-stranded.ts), and one for each upstream's journal still holding entries an earlier run left unsent, which
 * the start sends (journal-check.ts). `configWarnings` (the
 * parse's `warnings`: a config file key a flag made unused; default none) are printed first, one `warning:` line each.
 */
export function checkGatewayConfig(config: GatewayConfig, configWarnings: readonly string[] = []): string {
  const silent = pino({ level: 'silent' });
  const upstreams = config.upstreams ?? [undefined];
  const dialects: UpstreamDialect[] = [];
  let insecure: string | undefined;
  for (const named of upstreams) {
    // Validated there (validateConnectorOptions, each upstream's own keys named), as the start validates them.
    const options = upstreamOptions(config, silent, undefined, named);
    insecure ??= gatewayTlsInsecureWarning(options.tls);
    dialects.push({ name: named?.name ?? 'upstream', dialect: options.dialect as Dialect });
  }
  const client = checkedPosDialect(config);
  posTlsOptions(config);
  readHttpToken(config.httpToken, config.httpTokenFile, GATEWAY_TOKEN_NAMES);
  gatewayTrustedProxyList(config.httpTrustedProxy);
  const journalWarnings = checkJournalDirs(config);
  refuseOtherUpstreams(config);
  const names = config.upstreams?.map((u) => `${u.name}=${u.upstream}`).join(',') ?? config.upstream;
  const http = config.httpEnabled ? `${httpBindOf(config)}:${config.http}` : 'off';
  const open = gatewayOpenHttpWarning(config);
  const raw = rawDialectsWarning(config, dialects);
  const warnings = [...configWarnings, ...journalWarnings, ...approvalFitWarnings(dialects, client), ...[raw, open].filter((w) => w !== undefined), ...(insecure === undefined ? [] : [`${TLS_INSECURE}: ${insecure}`])].map((line) => `warning: ${line}\n`);
  return `${warnings.join('')}gateway config is valid: upstream=${names} pos=${config.bind}:${config.listen} http=${http}`;
}
