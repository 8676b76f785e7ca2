/**
 * The gateway's dialects, each read as every flag file is (read-file.ts `readFlagFile`, as `decode --dialect` reads
 * its): a dialect file that is missing, a folder, a device or larger than 1 MiB is `ISO8583_ERR_CLI_FILE` naming the
 * setting that gave it (`--dialect`, `--client-dialect`, an upstream's `/upstreams/N/dialect`), the file and the
 * system's reason. A built-in name is not read; the codec's `ISO8583_ERR_DIALECT_*` errors (a bad file) pass through.
 */
import { resolveDialect } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import { readFlagFile } from '../read-file.js';
import type { GatewayConfig } from './config-types.js';
import type { GatewayUpstream } from './upstreams.js';

/** Resolves `ref` (a built-in name or a `.json`/`.xml` file), a file read naming `setting`. */
export function gatewayDialect(ref: string, setting: string): Dialect {
  return resolveDialect(ref, { readFile: (path) => readFlagFile(path, setting) });
}

/** The POS clients' dialect: `clientDialect` (`--client-dialect`), else `dialect` (`--dialect`). */
export function posDialect(config: Pick<GatewayConfig, 'dialect' | 'clientDialect'>): Dialect {
  return config.clientDialect === undefined ? gatewayDialect(config.dialect, '--dialect') : gatewayDialect(config.clientDialect, '--client-dialect');
}

/**
 * The dialect towards `own` (one of `config.upstreams`; `undefined`: the gateway's lone upstream): its own `dialect`
 * (named `/upstreams/N/dialect`), else the gateway's (`--dialect`).
 */
export function upstreamDialect(config: GatewayConfig, own: GatewayUpstream | undefined): Dialect {
  if (own?.dialect === undefined) return gatewayDialect(config.dialect, '--dialect');
  return gatewayDialect(own.dialect, `/upstreams/${Math.max(0, config.upstreams?.indexOf(own) ?? 0)}/dialect`);
}
