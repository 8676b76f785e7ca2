// --match-key (SocketQueue's queueMessageKeyFields) checked at the start: a key that could hand a bank's answer to
// the wrong request, or lose the defence against a reversal that overtakes its original, is refused.
import { cliError } from '../args.js';
import { configFileError } from './config-file.js';
import type { GatewayConfig } from './config-types.js';

/**
 * The fields `--match-key` may name: those that identify a request and that a bank echoes unchanged (7 transmission
 * date and time, 11 STAN, 12 and 13 local time and date, 32 acquirer, 41 terminal, 42 merchant). Fields a bank may
 * rewrite or assign (4 amount on a partial approval, 37, 38, 39, 54...) would leave its answer unmatched.
 */
export const MATCH_KEY_FIELDS: readonly string[] = ['7', '11', '12', '13', '32', '41', '42'];

/** Where `--match-key` came from: the flag as given (`--queueMessageKeyFields`), or the config file and its key. */
export interface MatchKeyOrigin {
  /** The flag as given, when a flag gave it. */
  flag?: string;
  /** The config file that gave it (no flag did), and its key as written there (`queueMessageKeyFields`). */
  file?: { path: string; key: string };
}

/**
 * Refuses a `--match-key` without 11 (a late answer could match the terminal's next request), with a field outside
 * {@link MATCH_KEY_FIELDS}, or without 41 while reversals are on (a reversal that overtakes its original is recognised
 * by fields 11 and 41 of the bank's late approval): `ISO8583_ERR_CLI_OPTION` naming the flag as given, or
 * `ISO8583_ERR_GATEWAY_CONFIG` naming the file and its key. Nothing to check when it is not given (default `11,41`).
 */
export function checkMatchKey(merged: Partial<GatewayConfig>, origin: MatchKeyOrigin): void {
  if (typeof merged.matchKey !== 'string') return;
  const fields = matchKeyOf(merged.matchKey).slice(1);
  const problem = matchKeyProblem(fields, merged.noReversal === true);
  if (problem === undefined) return;
  if (origin.flag === undefined && origin.file !== undefined) {
    throw configFileError(origin.file.path, `: /${origin.file.key} ${problem}`, { field: `/${origin.file.key}` });
  }
  const flag = origin.flag ?? '--match-key';
  throw cliError('ISO8583_ERR_CLI_OPTION', `${flag} ${problem}`, flag);
}

function matchKeyProblem(fields: string[], noReversal: boolean): string | undefined {
  const other = fields.find((f) => !MATCH_KEY_FIELDS.includes(f));
  if (other !== undefined) return `names field ${other}, which a bank may not echo unchanged: use fields of ${MATCH_KEY_FIELDS.join(', ')}`;
  if (!fields.includes('11')) return 'must include 11 (the STAN): without it a late answer can match the terminal\'s next request';
  if (!fields.includes('41') && !noReversal) {
    return 'without 41 needs --no-reversal: a reversal that overtakes its original is recognised by fields 11 and 41 of the bank\'s late approval';
  }
  return undefined;
}

/**
 * The connector's `matchKey` of `--match-key` (`11,41`): `"0"` (the answer's MTI) first, then each field once, as the
 * connector's own default (`["0", "11", "41"]`) has it; a `0` given is that MTI, leading zeros are dropped (`011` is 11).
 */
export function matchKeyOf(fields: string): string[] {
  const named = fields.split(',').map((f) => String(Number(f))).filter((f) => f !== '0');
  return ['0', ...new Set(named)];
}
