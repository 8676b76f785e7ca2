/**
 * Reading a file a flag (or a config key) names: a file that cannot be read is `ISO8583_ERR_CLI_FILE` naming the flag,
 * the file and the system's reason in the connector's words (`EACCES (permission denied)`, as every store and path
 * error gives it), never a stack and never a byte of the file.
 */
import { readFileSync } from 'node:fs';
import { systemReason } from '@iso8583/connector/errors';
import { cliError } from './args.js';

/** The UTF-8 byte order mark as `readFileSync(path, 'utf8')` keeps it: one U+FEFF at the start of the text. */
const BOM = '\uFEFF';

/**
 * `text` without a leading byte order mark (Windows editors write one at the start of a UTF-8 file; JSON.parse refuses
 * it, as "not JSON at 1:1"); the text as it is when it has none.
 */
export function withoutBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(BOM.length) : text;
}

/**
 * Reads `path` (UTF-8, a leading byte order mark dropped), named by `flag`; `ISO8583_ERR_CLI_FILE` naming both and the
 * system's reason when it cannot.
 */
export function readFlagFile(path: string, flag: string): string {
  try {
    return withoutBom(readFileSync(path, 'utf8'));
  } catch (err) {
    throw cliError('ISO8583_ERR_CLI_FILE', `${flag}: cannot read the file ${path}: ${systemReason(err)}`, flag);
  }
}
