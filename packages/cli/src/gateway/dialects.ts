/**
 * The gateway's dialects, each read as every flag file is (read-file.ts `readFlagFile`, as `decode --dialect` reads
 * its): a dialect file that is missing, a folder, a device or larger than 1 MiB is `ISO8583_ERR_CLI_FILE` naming the
 * setting that gave it (`--dialect`, `--client-dialect`, an upstream's `/upstreams/N/dialect`), the file and the
 * system's reason. A built-in name is not read; the codec's `ISO8583_ERR_DIALECT_*` errors (a bad file) pass through.
 *
 * Each dialect a config names is read once for that config (a start), and every part is handed the dialect loaded
 * then: the connectors, the POS side, the message tracer, the console's ring and workbench. Before, each part looked
 * the file up again by name (the same file read 4 to 5 times), and a file edited during the start could give two parts
 * two dialects (a trace or a console reading the messages in another layout than the wire's).
 */
import { BUILTIN_DIALECTS, resolveDialect, unmappedOwnAnswerCodesReason } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import { readFlagFile } from '../read-file.js';
import { gatewayError } from './errors.js';
import type { GatewayConfig } from './config-types.js';
import type { GatewayUpstream } from './upstreams.js';

/** Resolves `ref` (a built-in name or a `.json`/`.xml` file), a file read naming `setting`. */
export function gatewayDialect(ref: string, setting: string): Dialect {
  return resolveDialect(ref, { readFile: (path) => readFlagFile(path, setting) });
}

/** The dialects loaded for each config, by reference (a built-in name or a file): each read once. */
const loaded = new WeakMap<object, Map<string, Dialect>>();

/** The dialect `ref` of `config`, read (naming `setting`) the first time it is asked for, the same one after. */
function configDialect(config: object, ref: string, setting: string): Dialect {
  let byRef = loaded.get(config);
  if (byRef === undefined) {
    byRef = new Map();
    loaded.set(config, byRef);
  }
  let dialect = byRef.get(ref);
  if (dialect === undefined) {
    dialect = gatewayDialect(ref, setting);
    byRef.set(ref, dialect);
  }
  return dialect;
}

/** The gateway's dialect (`--dialect`): its lone upstream's, an upstream's without its own, the tracer's. */
export function mainDialect(config: Pick<GatewayConfig, 'dialect'>): Dialect {
  return configDialect(config, config.dialect, '--dialect');
}

/** The POS clients' dialect: `clientDialect` (`--client-dialect`), else `dialect` (`--dialect`). */
export function posDialect(config: Pick<GatewayConfig, 'dialect' | 'clientDialect'>): Dialect {
  const dialect = config.clientDialect === undefined ? mainDialect(config) : configDialect(config, config.clientDialect, '--client-dialect');
  refuseUnmappedWideCodes(dialect, config.clientDialect === undefined ? '--dialect' : '--client-dialect', config.clientDialect ?? config.dialect);
  return dialect;
}

/**
 * Refuses (`ISO8583_ERR_GATEWAY_CONFIG`, at the start and `--check-config`) a POS dialect whose field 39 is wider than
 * 3 characters (jPOS CMF's `n 4`) and that does not name a code of its own (`answerCodes`) for each of the gateway's
 * own answers (30, 68, 91, 94, 96: the codec's `unmappedOwnAnswerCodesReason`): one missing would be padded to the field's
 * width (`0091`), which a terminal of that edition reads as approved (sr68j #1).
 */
function refuseUnmappedWideCodes(dialect: Dialect, setting: string, ref: string): void {
  const reason = unmappedOwnAnswerCodesReason(dialect, 'gateway');
  if (reason === undefined) return;
  throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${setting} ${ref}: ${reason}`, { field: setting });
}

/**
 * The dialect towards `own` (one of `config.upstreams`; `undefined`: the gateway's lone upstream): its own `dialect`
 * (named `/upstreams/N/dialect`), else the gateway's (`--dialect`).
 */
export function upstreamDialect(config: GatewayConfig, own: GatewayUpstream | undefined): Dialect {
  if (own?.dialect === undefined) return mainDialect(config);
  return configDialect(config, own.dialect, `/upstreams/${Math.max(0, config.upstreams?.indexOf(own) ?? 0)}/dialect`);
}

/**
 * The POS dialect ({@link posDialect}, which refuses one whose field 39 is wider than 3 characters with no code of its
 * own for each of the gateway's answers), what the start and `--check-config` read: also refused
 * (`ISO8583_ERR_GATEWAY_CONFIG`) when its field 39 is wider than 3 characters (jPOS CMF's `n 4`, the 2003 edition, which
 * approves with its whole `0xxx` class) in front of an upstream whose dialect's field 39 has another width: the bank's
 * codes are relayed as they are and packed in the POS dialect's width, its decline `05` answered `0005`, an approval
 * there. Each dialect as loaded for the rest of the gateway.
 */
export function checkedPosDialect(config: GatewayConfig): Dialect {
  const pos = posDialect(config);
  const width = pos.fields['39']?.length;
  if (width === undefined || width <= 3) return pos;
  const setting = config.clientDialect === undefined ? '--dialect' : '--client-dialect';
  for (const own of config.upstreams ?? [undefined]) {
    const upstream = upstreamDialect(config, own);
    const f39 = upstream.fields['39'];
    const theirs = f39?.length;
    // Fixed on both sides (sr69q #5): an upstream's LLVAR ..4 carries its 05 as is, packed 0005 on the POS side.
    if (theirs === width && f39?.prefix === undefined && pos.fields['39']?.prefix === undefined) continue;
    throw gatewayError(
      'ISO8583_ERR_GATEWAY_CONFIG',
      `${setting} ${config.clientDialect ?? config.dialect}: field 39 holds ${width} characters, but ${own === undefined ? 'the upstream' : `upstream ${own.name}`}'s dialect ${upstream.name} has ${theirs === undefined ? 'no field 39' : `${f39?.prefix === undefined ? '' : 'up to '}${theirs}`}: the bank's codes would be padded to the POS side's width (its decline 05 answered ${'0'.repeat(width - 2)}05, an approval there); give the POS clients and that upstream dialects whose field 39 is as wide`,
      { field: setting },
    );
  }
  return pos;
}

/**
 * The console's dialects by role (`upstream`: `--dialect`; `pos`: the POS side's), as loaded for the rest of the
 * gateway: a built-in one by its name (the workbench lists it so), a file's as loaded.
 */
export function consoleDialects(config: Pick<GatewayConfig, 'dialect' | 'clientDialect'>): Record<'upstream' | 'pos', string | Dialect> {
  const shown = (ref: string, dialect: Dialect): string | Dialect => (BUILTIN_DIALECTS.includes(ref) ? ref : dialect);
  return { upstream: shown(config.dialect, mainDialect(config)), pos: shown(config.clientDialect ?? config.dialect, posDialect(config)) };
}
