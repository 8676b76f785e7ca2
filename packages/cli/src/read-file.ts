/**
 * Reading a file a flag (or a config key) names: a file that cannot be read is `ISO8583_ERR_CLI_FILE` naming the flag,
 * the file and the system's reason in the connector's words (`EACCES (permission denied)`, as every store and path
 * error gives it), never a stack and never a byte of the file.
 */
import { readFileSync } from 'node:fs';
import { systemReason } from '@iso8583/connector/errors';
import { cliError } from './args.js';

/** Reads `path` (UTF-8), named by `flag`; `ISO8583_ERR_CLI_FILE` naming both and the system's reason when it cannot. */
export function readFlagFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw cliError('ISO8583_ERR_CLI_FILE', `${flag}: cannot read the file ${path}: ${systemReason(err)}`, flag);
  }
}
