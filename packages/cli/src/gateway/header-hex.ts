/**
 * `--header-hex HEX` (config key `headerHex`): the fixed header the gateway sends upstream before every request. Its
 * form (hex digits in pairs, at most 64 bytes) is the flag row's pattern; here its length sets `headerBytes`, or, when
 * `headerBytes` is given too by the same source or by a flag, must agree with it: `--header-bytes 5` alone sends five
 * zero bytes, and a header of another length than the frame counts would cut every message wrong. A `--header-hex`
 * flag wins over the config file's `headerBytes`, as every flag wins over the file (with a warning naming the key).
 */
import { cliError } from '../args.js';
import { configFileError } from './config-file.js';
import type { GatewayConfig } from './config-types.js';

/** Where a key's value came from: a flag (`--header-bytes`), a config file (its path), or nowhere (a default). */
export interface KeySource {
  /** The flag that gave `key`, as it was written, else undefined. */
  flag(key: 'headerHex' | 'headerBytes'): string | undefined;
  /** The config file that gave `key` (no flag replacing it), else undefined. */
  fileOf(key: string): string | undefined;
}

/**
 * Sets `merged.headerBytes` to the byte length of `merged.headerHex` when that is given. A `headerBytes` of another
 * value is refused when given by a flag, or by the config file that gives `headerHex` too: `ISO8583_ERR_CLI_OPTION`
 * naming the flags (a flag involved), else `ISO8583_ERR_GATEWAY_CONFIG` naming the file and its `/headerHex`. The
 * file's `headerBytes` against a `--header-hex` flag: the flag wins, and the warning returned names the file key
 * (undefined when there is none to give), as `checkWithoutEffect`'s do.
 */
export function applyHeaderHex(merged: Partial<GatewayConfig>, source: KeySource): string | undefined {
  const hex = merged.headerHex;
  if (hex === undefined) return undefined;
  const bytes = hex.length / 2;
  const hexFile = source.fileOf('headerHex');
  const bytesFile = source.fileOf('headerBytes');
  const given = source.flag('headerBytes') !== undefined || (bytesFile !== undefined && hexFile !== undefined);
  let warning: string | undefined;
  if (!given && bytesFile !== undefined && merged.headerBytes !== bytes) {
    warning = `config file ${bytesFile}: /headerBytes is ${String(merged.headerBytes)}, ${String(source.flag('headerHex'))} is ${bytes} bytes: the flag wins over the file; /headerBytes is not used`;
  }
  if (given && merged.headerBytes !== bytes) {
    const hexFlag = source.flag('headerHex');
    const bytesFlag = source.flag('headerBytes');
    const file = hexFile ?? bytesFile;
    if (hexFlag === undefined && bytesFlag === undefined && file !== undefined) {
      throw configFileError(file, `: headerHex is ${bytes} bytes, headerBytes says ${merged.headerBytes}: give one, or make them agree`, { field: '/headerHex' });
    }
    const hexName = hexFlag ?? `headerHex of ${file ?? 'the config file'}`;
    const bytesName = bytesFlag ?? `headerBytes of ${file ?? 'the config file'}`;
    throw cliError('ISO8583_ERR_CLI_OPTION', `${hexName} is ${bytes} bytes, ${bytesName} says ${merged.headerBytes}: give one, or make them agree`,
      hexFlag ?? bytesFlag);
  }
  merged.headerHex = hex.toLowerCase();
  merged.headerBytes = bytes;
  return warning;
}
