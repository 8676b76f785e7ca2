/**
 * `--header-hex HEX` (config key `headerHex`): the fixed header the gateway sends upstream before every request. Its
 * form (hex digits in pairs, at most 64 bytes) is the flag row's pattern; here its length sets `headerBytes`, or, when
 * `headerBytes` is given too (flag or file), must agree with it: `--header-bytes 5` alone sends five zero bytes, and a
 * header of another length than the frame counts would cut every message wrong.
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
 * Sets `merged.headerBytes` to the byte length of `merged.headerHex` when that is given; a `headerBytes` given as well
 * with another value is refused: `ISO8583_ERR_CLI_OPTION` naming the flags (a flag involved), else
 * `ISO8583_ERR_GATEWAY_CONFIG` naming the file and its `/headerHex`.
 */
export function applyHeaderHex(merged: Partial<GatewayConfig>, source: KeySource): void {
  const hex = merged.headerHex;
  if (hex === undefined) return;
  const bytes = hex.length / 2;
  const given = source.flag('headerBytes') !== undefined || source.fileOf('headerBytes') !== undefined;
  if (given && merged.headerBytes !== bytes) {
    const hexFlag = source.flag('headerHex');
    const bytesFlag = source.flag('headerBytes');
    const file = source.fileOf('headerHex') ?? source.fileOf('headerBytes');
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
}
