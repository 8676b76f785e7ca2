/**
 * The journal folders a gateway start would make and open (each upstream's SAF queue, the transaction log), looked at
 * by `--check-config` without making them or taking their lock (path-problem.ts): a folder the start could not open
 * (`ISO8583_ERR_CONNECTOR_JOURNAL`, exit 1) fails the check too, so an `ExecStartPre` does not pass a start that loops.
 */
import type { Logger } from 'pino';
import { defaultJournalDir } from '@iso8583/connector';
import type { GatewayConfig } from './config.js';
import { gatewayError } from './errors.js';
import { groupUpstreams, upstreamOptions } from './upstream-options.js';
import { pathProblem } from '../path-problem.js';

/** Every journal folder the start of `config` uses, as the start places them (none with a PostgreSQL `--store`). */
export function gatewayJournalDirs(config: GatewayConfig, logger: Logger): string[] {
  const dirs = (groupUpstreams(config) ?? [undefined]).map((named) => upstreamOptions(config, logger, undefined, named).saf?.journalDir);
  if (!config.noTransactionLog && config.store === undefined) dirs.push(config.reversalJournal ?? defaultJournalDir('upstream'));
  return [...new Set(dirs.filter((d): d is string => d !== undefined))];
}

/**
 * Throws `ISO8583_ERR_GATEWAY_CONFIG` naming `--reversal-journal` and the system's reason when a journal folder of
 * `config` cannot be made, entered or written (a file in its place or above it, a folder this user may not write, or
 * one still to be made in a folder this user may not write: pathProblem's rule).
 */
export function checkJournalDirs(config: GatewayConfig, logger: Logger): void {
  for (const dir of gatewayJournalDirs(config, logger)) {
    const problem = pathProblem(dir, 'folder');
    if (problem !== undefined) {
      throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `--reversal-journal: the journal folder ${dir} cannot be made or written: ${problem}`, {
        field: '--reversal-journal',
      });
    }
  }
}
