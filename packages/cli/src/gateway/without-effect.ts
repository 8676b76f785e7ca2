/**
 * Settings that the gateway would accept and then not use, refused instead (`ISO8583_ERR_GATEWAY_CONFIG` naming both
 * settings, as flags, or as config file keys `/key` and `/upstreams/N/key` with the file): an operator who gives one
 * believes it works. Refused only when both come from the same source (two flags, or two keys of the file); when a
 * flag makes a file key unused (`--no-reversal` over a shared file's `safMaxAttempts`), flags win over the file: the
 * gateway starts, with a warning naming the file key and the flag (`--check-config` prints it, the start logs it). `--tls-insecure` with no upstream link on TLS; a SAF setting (`--saf-*`, `--reversal-retry-interval`)
 * with `--no-reversal` (no SAF queue), and `--reversal-journal` with `--no-reversal` and `--no-transaction-log` (nothing
 * kept there); an upstream's own TLS keys with its `tls: false`, or its `tlsKey` when its link is not on TLS.
 * `--terminal-lock-connections` without `--store` or `--terminal-queue` (no terminal lock).
 * `--tls-ca`, `--tls-cert` and `--tls-servername` turn TLS on by themselves (tls.ts), so they need no `--tls`.
 */
import type { GatewayConfig } from './config-types.js';
import { configFileError } from './config-file.js';
import { gatewayError } from './errors.js';
import { upstreamUsesTls } from './tls.js';

/** Where each setting of the merged config came from: its flag as given, or the config file that gave it. */
export interface SettingOrigin {
  /** The flag `key` was given as (`--saf-retry-interval`), when given by a flag. */
  flag(key: string): string | undefined;
  /** The config file `key` came from (given there, by no flag). */
  fileOf(key: string): string | undefined;
  /** The flag a key is given as when it is given by neither (for the words only): `--tls`. */
  flagName(key: string): string;
}

/** The SAF queue's settings: unused with `--no-reversal`, which runs no SAF queue. */
const SAF_KEYS = ['reversalRetryInterval', 'safInitialDelay', 'safMessageInterval', 'safMaxAttempts', 'safExpireAfter', 'safMaxInFlight', 'safMaxEntries', 'safEndCodes'] as const;

/** An upstream's own TLS keys. */
const UPSTREAM_TLS_KEYS = ['tlsCa', 'tlsCert', 'tlsKey', 'tlsServername'] as const;

/**
 * `key` (given), without effect because of `other`: refused by flag, or naming the file and its keys, when `other` is
 * given by the same source or not given, or when `key` is a flag the file's `other` makes unused (a file cannot
 * overrule a flag); a warning in `warnings` when a flag makes a key of the file unused (flags win over the file),
 * naming the file key and the flag.
 */
function withoutEffect(origin: SettingOrigin, key: string, other: string, why: string, warnings: string[]): void {
  const from = origin.fileOf(key);
  const otherFlag = origin.flag(other);
  const otherFile = origin.fileOf(other);
  const flag = origin.flag(key) ?? origin.flagName(key);
  if (from !== undefined && otherFlag !== undefined) {
    warnings.push(`config file ${from}: /${key} is without effect with ${otherFlag} (${why}): the flag wins over the file; /${key} is not used`);
    return;
  }
  // The other way round (a flag the file makes unused: `--saf-max-attempts` over a file's `noReversal`) is refused: the
  // flag says what the operator expects (reversals), and a file cannot overrule a flag.
  const otherName = otherFlag ?? (otherFile !== undefined ? (from === undefined ? `/${other} of config file ${otherFile}` : `/${other}`) : origin.flagName(other));
  if (from !== undefined) throw configFileError(from, `: /${key} is without effect with ${otherName} (${why}): remove one`, { field: `/${key}` });
  throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${flag} is without effect with ${otherName} (${why}): remove one`, { field: flag });
}

/**
 * `--terminal-lock-connections` (`terminalLockConnections`) given, without `--store` or `--terminal-queue`: it sizes the
 * PostgreSQL terminal lock's pool, which only a store and a terminal queue make (it was ignored without a word, sr66g).
 * Refused naming it as given (its flag, or its file key with the file), and the setting it needs; a warning instead
 * when the file gives it and a flag turned the terminal queue off (flags win over the file).
 */
function checkTerminalLockConnections(merged: Partial<GatewayConfig>, origin: SettingOrigin, warnings: string[]): void {
  const key = 'terminalLockConnections';
  if (!given(origin, key)) return;
  const needs = merged.store === undefined ? 'store' : merged.terminalQueue !== true ? 'terminalQueue' : undefined;
  if (needs === undefined) return;
  const why = needs === 'store' ? 'no PostgreSQL store: no terminal lock' : 'no terminal queue: no terminal lock';
  const from = origin.fileOf(key);
  const offBy = origin.flag(needs);
  if (from !== undefined && offBy !== undefined) {
    warnings.push(`config file ${from}: /${key} is without effect with ${offBy} (${why}): the flag wins over the file; /${key} is not used`);
    return;
  }
  const other = origin.fileOf(needs) !== undefined ? `/${needs} false` : origin.flagName(needs);
  if (from !== undefined) throw configFileError(from, `: /${key} is without effect without ${other} (${why}): give it, or remove /${key}`, { field: `/${key}` });
  const flag = origin.flag(key) ?? origin.flagName(key);
  throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${flag} is without effect without ${other} (${why}): give it, or remove ${flag}`, { field: flag });
}

/** Whether `key` was given (by a flag or the config file), not a default. */
function given(origin: SettingOrigin, key: string): boolean {
  return origin.flag(key) !== undefined || origin.fileOf(key) !== undefined;
}

/**
 * Refuses the settings of `merged` (flags over file over defaults, `tls` already implied by the TLS files) that
 * would be accepted and not used; `configPath` is the config file (which alone gives `upstreams` TLS keys). Returns
 * the warnings for those made unused across sources (a flag over a file key), none when there are none.
 */
export function checkWithoutEffect(merged: Partial<GatewayConfig>, origin: SettingOrigin, configPath: string | undefined): string[] {
  const warnings: string[] = [];
  if (merged.noReversal === true && given(origin, 'noReversal')) {
    for (const key of SAF_KEYS) {
      if (given(origin, key)) withoutEffect(origin, key, 'noReversal', 'no reversal, no SAF queue', warnings);
    }
    if (merged.noTransactionLog === true && given(origin, 'reversalJournal')) {
      withoutEffect(origin, 'reversalJournal', 'noReversal', 'and no transaction log: nothing is kept in the folder', warnings);
    }
  }
  const config = merged as GatewayConfig;
  const upstreams = merged.upstreams ?? [];
  for (const [i, own] of upstreams.entries()) {
    const at = `/upstreams/${i}`;
    for (const key of UPSTREAM_TLS_KEYS) {
      if (own[key] === undefined || configPath === undefined) continue;
      if (own.tls === false) {
        throw configFileError(configPath, `: ${at}/${key} is without effect with ${at}/tls false (the link to ${own.name} is plain TCP): remove one`, { field: `${at}/${key}` });
      }
      if (!upstreamUsesTls(config, own)) {
        throw configFileError(configPath, `: ${at}/${key} is without effect: the link to ${own.name} is not on TLS (give ${at}/tls true, or its tlsCert with it)`, { field: `${at}/${key}` });
      }
    }
  }
  checkTerminalLockConnections(merged, origin, warnings);
  if (merged.tlsInsecure === true && given(origin, 'tlsInsecure')) {
    const anyTls = upstreams.length === 0 ? upstreamUsesTls(config, undefined) : upstreams.some((u) => upstreamUsesTls(config, u));
    if (!anyTls) withoutEffect(origin, 'tlsInsecure', 'tls', 'no upstream link is on TLS: there is no certificate to verify', warnings);
  }
  return warnings;
}
