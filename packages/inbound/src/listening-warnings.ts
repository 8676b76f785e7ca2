/**
 * What an endpoint warns of once it listens, each a warning, not a refusal: a `maxConnections` above the process's
 * limit of open files (fd-limit.ts), and a TLS certificate outside its validity (one may have to start with it to
 * rotate it).
 */
import type { Logger } from 'pino';
import { fdLimitWarning, openFilesLimit } from './fd-limit.js';
import type { ResolvedInboundOptions } from './options.js';
import { logSafely } from './safe-log.js';
import { tlsStartWarnings } from './tls-start-warnings.js';

/** Logs the warnings of an endpoint that has just begun listening with options `o` (none when all is well). */
export function listeningWarnings(logger: Logger, o: ResolvedInboundOptions): void {
  const fds = fdLimitWarning(o.maxConnections, openFilesLimit());
  if (fds !== undefined) {
    logSafely(() => logger.warn(fds, 'maxConnections is above the process limit of open files: accepts fail there (EMFILE) before the connection cap evicts a silent client; raise the limit (ulimit -n, LimitNOFILE) or lower maxConnections'));
  }
  // A certificate outside its validity, ISO8583_WARN_TLS_CERT_VALIDITY (tls-start-warnings.ts): every client will refuse
  // the handshake (CERT_HAS_EXPIRED) while this side sees only resets.
  for (const w of tlsStartWarnings(o.tls)) logSafely(() => logger.warn(w.fields, w.text));
}
