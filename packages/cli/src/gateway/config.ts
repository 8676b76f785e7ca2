/**
 * The gateway's configuration: the config file's merge with the flags and their checks. The config type is in
 * config-types.ts; the flag rows (one per option, with help and limits) and the defaults read from them in flag-rows.ts.
 */
import type { FieldProblem, SchemaCheck, SchemaCheckOptions } from '@iso8583/codec';
import { hostPort } from '@iso8583/connector/host-port';
import { PRECOMPILED } from '../generated/gateway-flags-check.js';
import { flagHelp, flagSpecs, resolveAliases } from '../flag-table.js';
import { cliError, integerText, numberText, parseCommandArgs } from '../args.js';
import type { FlagSpecs } from '../args.js';
import { gatewayError } from './errors.js';
import { GATEWAY_DEFAULTS, GATEWAY_FLAGS } from './flag-rows.js';
import { GATEWAY_CONFIG_SCHEMA, configFileError, readConfig } from './config-file.js';
import { journalFolderOf, journalNotMoved } from './config-paths.js';
import { givenKeysCheck } from './given-keys-check.js';
import { shutdownDeadlineWarning } from './stop-abort.js';
import { SOCKETQUEUE_DEFAULTS, SOCKETQUEUE_NAMES, flagValue, socketQueueBooleanValues, socketQueueFromFileWarning, socketQueueFromLoggingWarning, socketQueuePointer, zeroPortsOff } from './socketqueue.js';
import { checkReconnect } from './reconnect.js';
import type { ReconnectOrigin } from './reconnect.js';
import { checkUpstreams, flagProblem, parseRouteFlag, readableReason, upstreamsOf } from './upstreams.js';
import type { ListProblem } from './upstreams.js';
import type { GatewayConfig } from './config-types.js';
import { checkWithoutEffect } from './without-effect.js';
import { checkBindAddresses } from './bind-check.js';
import { checkUpstreamLoop } from './upstream-loop.js';
import { checkOwnPorts, ownListeners } from './own-ports.js';
import { applyHeaderHex } from './header-hex.js';
import { checkMatchKey } from './match-key-check.js';

// The flag rows and the defaults live in flag-rows.ts, the config file's schema and reader in config-file.ts; exported
// here too, beside the config they fill.
export { GATEWAY_DEFAULTS, GATEWAY_FLAGS } from './flag-rows.js';
export { GATEWAY_CONFIG_SCHEMA, readConfigFile } from './config-file.js';
export type { GatewayFlagRow } from './flag-rows.js';
// The config type lives in config-types.ts.
export type { FrameName, GatewayConfig } from './config-types.js';

let flagCheck: SchemaCheck | undefined;

/** How the flags are checked against the config schema (generated at build time with these: scripts/schema-validators.mjs). */
export const GATEWAY_FLAGS_CHECK: SchemaCheckOptions = {
  code: 'ISO8583_ERR_CLI_OPTION',
  subject: 'gateway flags',
  paths: 'pointer',
  coerceTypes: true,
  checkSchema: false,
};

/**
 * The flags' check (values coerced as a command line's strings must be), made at the first command line parsed: the
 * one generated at build time (src/generated/gateway-flags-check.ts), else it compiles the schemas of the flags given
 * only (given-keys-check.ts), none for a command line without flags.
 */
function checkFlags(fromFlags: Record<string, unknown>): FieldProblem[] {
  flagCheck ??= givenKeysCheck(GATEWAY_CONFIG_SCHEMA, GATEWAY_FLAGS_CHECK, PRECOMPILED);
  return flagCheck(fromFlags);
}

const FLAG_BY_KEY = new Map(GATEWAY_FLAGS.map((f) => [f.key as string, f]));

/** The result of parsing the gateway's command line. */
export interface ParsedGatewayArgs {
  /** The merged, validated config (defaults applied). */
  config: GatewayConfig;
  /** `--help` was given. */
  help: boolean;
  /** `--check-config` was given: check everything, open nothing, exit. */
  checkOnly: boolean;
  /**
   * Settings made unused by a setting of another source (a flag over a config file key: `--no-reversal` over the
   * file's `safMaxAttempts`), one line each naming both; the start logs them at warn level, `--check-config` prints
   * them as `warning:` lines; and `ISO8583_WARN_SHUTDOWN_DEADLINE` when a stop's deadline is shorter than the wait for
   * the bank (stop-abort.ts), `ISO8583_WARN_SOCKETQUEUE_FROM_FILE` and `ISO8583_WARN_SOCKETQUEUE_FROM_LOGGING`
   * (socketqueue.ts); a line with a code starts with it and is logged with it as `code`. Empty when there are none.
   */
  warnings: readonly string[];
}

/**
 * Parses the gateway's flags, reads `--config FILE.json` when given, and merges: defaults < file < flags. Every
 * problem (unknown flag, bad value, bad file key) is a coded error naming the flag or key.
 */
export function parseGatewayArgs(argv: string[], extraDefaults: Partial<GatewayConfig> = {}): ParsedGatewayArgs {
  // -c FILE and --c=FILE: SocketQueue's names of --config.
  const specs: FlagSpecs = {
    config: { type: 'string', short: 'c' }, c: { type: 'string' }, 'no-http': { type: 'boolean' }, 'check-config': { type: 'boolean' }, ...flagSpecs(GATEWAY_FLAGS),
  };
  specs.upstream = { type: 'string', multiple: true };
  specs.route = { type: 'string', multiple: true };
  // SocketQueue's booleans may be written with a value (`--noAutoReversal=false`), as its cfgParams reads them.
  const booleans = socketQueueBooleanValues(argv);
  const parsed = parseWithPointers(booleans.argv, specs);
  const values = parsed.values;
  for (const name of booleans.off) {
    if (values[name] !== undefined) throw cliError('ISO8583_ERR_CLI_OPTION', `--${name} is given twice: give it once`, `--${name}`);
    values[name] = false;
  }
  const help = parsed.help;
  const checkOnly = values['check-config'] === true;
  delete values['check-config'];
  // The names the flags were given under (`--listenPort`): SocketQueue's mean its defaults, and an error names them.
  const givenAs = new Map<string, string>();
  for (const f of GATEWAY_FLAGS) for (const a of f.aliases ?? []) if (values[a] !== undefined) givenAs.set(f.flag, a);
  const byC = values.c !== undefined;
  const socketQueueFlags = [...givenAs.values()].some((a) => SOCKETQUEUE_NAMES.has(a)) || byC;
  resolveAliases([{ flag: 'config', aliases: ['c'], kind: 'string', help: '' }, ...GATEWAY_FLAGS], values);
  const file = typeof values.config === 'string' ? readConfig(values.config) : { config: {}, socketQueueKeys: [], shippedKeys: [], journalAsWritten: undefined };
  const fromFile = file.config;
  // One file, one bank: its `upstream` beside its `upstreams` was ignored (the upstreams won, without a word).
  if (typeof values.config === 'string' && fromFile.upstream !== undefined && fromFile.upstreams !== undefined) {
    throw configFileError(values.config, ': upstream and upstreams say the same thing: give one', { field: '/upstream' });
  }
  // Repeatable: several named upstreams and their routes (upstreams.ts); one plain --upstream is today's.
  const upstreamValues = ((values.upstream ?? []) as string[]).map(String);
  const routeValues = ((values.route ?? []) as string[]).map(String);
  delete values.upstream;
  delete values.route;
  const fromFlags: Record<string, unknown> = {};
  const named = upstreamsOf(upstreamValues, undefined);
  if (named !== undefined) {
    fromFlags.upstreams = named;
    fromFlags.upstream = named[0]?.upstream;
  } else if (upstreamValues.length === 1) {
    fromFlags.upstream = upstreamValues[0];
  }
  if (routeValues.length > 0) fromFlags.routes = routeValues.map(parseRouteFlag);
  for (const f of GATEWAY_FLAGS) {
    const v = values[f.flag];
    // A number in its one form (args.ts): the schema's type coercion would read `0x10`, `1e3` or `' '` (port 0).
    if (v !== undefined) fromFlags[f.key] = typeof v !== 'string' ? v : f.kind === 'integer' ? integerText(v) : f.kind === 'number' ? numberText(v) : v;
  }
  if (values['no-http'] === true) fromFlags.httpEnabled = false;
  const flagProblems = checkFlags(fromFlags);
  if (flagProblems.length > 0) {
    const problems = flagProblems.map((p) => {
      const spec = FLAG_BY_KEY.get(p.field.replace(/^\//, ''));
      const reason = readableReason(p.reason);
      return spec ? { ...p, field: `--${givenAs.get(spec.flag) ?? spec.flag}`, reason } : { ...p, reason };
    });
    const text = problems.map((p) => `${p.field} ${p.reason}`).join('; ');
    throw cliError('ISO8583_ERR_CLI_OPTION', text, problems[0]?.field);
  }
  // A SocketQueue key read as absent at its shipped value (`"hostConfig": "smartVista"`) still names SocketQueue's
  // behaviour; alone, it is warned of (all of SocketQueue's defaults follow), with the opt-out.
  const sqNamed = socketQueueFlags || file.socketQueueKeys.some((k) => SOCKETQUEUE_NAMES.has(k));
  const socketQueue = (fromFlags.socketqueue ?? fromFile.socketqueue ?? (sqNamed || file.shippedKeys.length > 0)) === true;
  const fromShipped = socketQueue && !sqNamed && fromFlags.socketqueue === undefined && fromFile.socketqueue === undefined;
  const sqDefaults = socketQueue ? { ...SOCKETQUEUE_DEFAULTS, socketqueue: true, httpEnabled: 'http' in fromFile || 'http' in fromFlags } : {};
  const merged = { ...GATEWAY_DEFAULTS, ...extraDefaults, ...sqDefaults, ...fromFile, ...fromFlags } as Partial<GatewayConfig>;
  // SocketQueue's lengthIncludeHeader counted itself and the whole fixed header: --length-includes-header with its names too.
  if (socketQueue && merged.lengthIncludesHeader === true && !('lengthExcludesHeaderBytes' in fromFlags) && !('lengthExcludesHeaderBytes' in fromFile)) merged.lengthExcludesHeaderBytes = false;
  // SocketQueue's listenHttpPort and statServerPort at 0 open nothing, as in SocketQueue.
  zeroPortsOff(merged, (key, name) => (key in fromFlags ? givenAs.get(FLAG_BY_KEY.get(key)?.flag ?? key) === name : key in fromFile && file.socketQueueKeys.includes(name)));
  // Flags win over the file for the bank too. SocketQueue's two halves (--upstream-host, --upstream-port) are the same
  // setting as --upstream: given by a flag, either replaces the file's address in the other form, and with a flag of
  // each form at once (or a file of each) joinUpstream refuses. A plain --upstream flag, or the halves, win over the
  // file's upstreams (and their routes); named ones replace them. The halves used to be ignored under the file's
  // upstreams: the gateway linked to the file's bank, not the one the command line named.
  const halvesFlagged = fromFlags.upstreamHost !== undefined || fromFlags.upstreamPort !== undefined;
  if (halvesFlagged && fromFlags.upstream === undefined) delete merged.upstream;
  if (fromFlags.upstream !== undefined && !halvesFlagged) {
    delete merged.upstreamHost;
    delete merged.upstreamPort;
  }
  if ((fromFlags.upstream !== undefined || halvesFlagged) && fromFlags.upstreams === undefined) {
    delete merged.upstreams;
    if (fromFlags.routes === undefined) delete merged.routes;
  }
  const configPath = typeof values.config === 'string' ? values.config : undefined;
  /** The config file `key` came from (given there, by no flag), whose errors name it. */
  const fileOf = (key: string): string | undefined => (configPath !== undefined && !(key in fromFlags) && key in fromFile ? configPath : undefined);
  // The halves from the file (no flag gave either): its errors name its keys, not flags never given.
  const halvesFile = halvesFlagged ? undefined : (fileOf('upstreamHost') ?? fileOf('upstreamPort'));
  joinUpstream(merged, halvesFile);
  if (merged.upstreams !== undefined) {
    merged.upstreams = upstreamsOf([], merged.upstreams);
    merged.upstream = merged.upstreams?.[0]?.upstream;
  }
  const listProblem = (key: string): ListProblem => {
    const from = fileOf(key);
    return from === undefined ? flagProblem : (text, _flag, field) => configFileError(from, `: ${field}: ${text}`, { field });
  };
  // The file's relative journal, moved from where earlier versions read it: judged only when it is the one used.
  const journalFile = fileOf('reversalJournal');
  if (journalFile !== undefined) journalNotMoved(journalFile, file.journalAsWritten);
  if (typeof merged.reversalJournal === 'string') merged.reversalJournal = journalFolderOf(merged.reversalJournal);
  const flagOf = (key: string): string | undefined => {
    const spec = FLAG_BY_KEY.get(key);
    return key in fromFlags && spec !== undefined ? `--${givenAs.get(spec.flag) ?? spec.flag}` : undefined;
  };
  // --header-hex sets --header-bytes to its length (given too, they must agree): header-hex.ts.
  const headerWarning = applyHeaderHex(merged, { flag: flagOf, fileOf });
  const matchKeyFile = fileOf('matchKey');
  checkMatchKey(merged, { flag: flagOf('matchKey'), file: matchKeyFile === undefined ? undefined : { path: matchKeyFile, key: file.socketQueueKeys.includes('queueMessageKeyFields') ? 'queueMessageKeyFields' : 'matchKey' } });
  checkUpstreams(merged.upstreams ?? [{ name: 'upstream', upstream: merged.upstream ?? '' }], merged.routes ?? [], listProblem('upstreams'), listProblem('routes'));
  const originOf = (key: 'reconnectDelay' | 'reconnectMaxDelay'): ReconnectOrigin => (key in fromFlags ? 'flag' : fileOf(key) !== undefined ? 'file' : 'default');
  checkReconnect(merged as GatewayConfig, merged.upstreams ?? [], configPath, { reconnectDelay: originOf('reconnectDelay'), reconnectMaxDelay: originOf('reconnectMaxDelay') });
  if (merged.upstream === undefined && !help) {
    throw cliError('ISO8583_ERR_CLI_USAGE', '--upstream HOST:PORT is required (flag or config file key "upstream")', '--upstream');
  }
  checkBindAddresses(merged, fileOf);
  // An upstream that is one of its own listeners (POS, HTTP, metrics, stats: a loop): named by its flag, or its file key (the halves' too).
  const halves = fromFlags.upstream === undefined && (halvesFlagged || (fileOf('upstream') === undefined && fileOf('upstreamHost') !== undefined));
  const loopProblem = (key: string): { list: ListProblem; fromFile: boolean } => ({ list: listProblem(key), fromFile: fileOf(key) !== undefined });
  const lone = merged.upstreams !== undefined ? undefined : halves ? { flag: '--upstream-host', key: '/upstreamHost' } : { flag: '--upstream', key: '/upstream' };
  checkUpstreamLoop(merged.upstreams ?? [{ name: 'upstream', upstream: merged.upstream ?? '' }], ownListeners(merged),
    loopProblem(lone === undefined ? 'upstreams' : halves ? 'upstreamHost' : 'upstream'), lone);
  // Two of its own listeners on one port: refused here, not by the start's EADDRINUSE after --check-config said valid.
  checkOwnPorts(merged, fileOf);
  checkPair(merged, 'tlsCert', 'tlsKey', fileOf);
  checkPair(merged, 'clientTlsCert', 'clientTlsKey', fileOf);
  checkClientCa(merged, fileOf);
  if (merged.tlsCa !== undefined || merged.tlsCert !== undefined || merged.tlsServername !== undefined) merged.tls = true;
  // A setting that would be accepted and not used (--tls-insecure without TLS, a --saf-* flag with --no-reversal...):
  // refused, or a warning when a flag makes a file key unused (flags win over the file).
  const warnings = checkWithoutEffect(merged, {
    flag: flagOf,
    fileOf,
    flagName: (key) => `--${FLAG_BY_KEY.get(key)?.flag ?? key}`,
  }, configPath);
  if (headerWarning !== undefined) warnings.push(headerWarning);
  if (fromShipped && typeof values.config === 'string') warnings.push(socketQueueFromFileWarning(values.config, file.shippedKeys));
  // Turned on by its logging names only (`--vv`): said, as a file's shipped keys are (not when chosen, or by `-c`).
  const fromLogging = socketQueue && fromFlags.socketqueue === undefined && fromFile.socketqueue === undefined && !byC && file.shippedKeys.length === 0
    ? socketQueueFromLoggingWarning([...givenAs.values()].filter((a) => SOCKETQUEUE_NAMES.has(a)), file.socketQueueKeys.filter((k) => SOCKETQUEUE_NAMES.has(k)))
    : undefined;
  if (fromLogging !== undefined) warnings.push(fromLogging);
  // Chosen: given (flag or file) other than its default (a file that spells the defaults out, as the deploy example does, chose nothing).
  const stopChosen = (['shutdownDeadline', 'requestTimeout'] as const).some((key) => (key in fromFlags || fileOf(key) !== undefined) && merged[key] !== FLAG_BY_KEY.get(key)?.default);
  const stopWarning = shutdownDeadlineWarning(merged as GatewayConfig, stopChosen);
  if (stopWarning !== undefined) warnings.push(stopWarning);
  // A SAF lease not chosen follows a longer bank wait (SocketQueue's 35 s): the defaults never call for the connector's
  // ISO8583_WARN_SAF_LEASE_SHORT (a lease shorter than the request timeout).
  if (!('safLease' in fromFlags) && fileOf('safLease') === undefined && typeof merged.requestTimeout === 'number' && merged.requestTimeout > (merged.safLease ?? 0)) {
    merged.safLease = merged.requestTimeout;
  }
  return { config: Object.freeze(merged) as GatewayConfig, help, checkOnly, warnings };
}

/**
 * A certificate and its key go together (`--tls-cert` and `--tls-key`, `--client-tls-cert` and `--client-tls-key`):
 * else `ISO8583_ERR_GATEWAY_CONFIG` naming the flag given, or, when the one given came from the config file, the file
 * and its key (`/tlsCert`).
 */
function checkPair(merged: Partial<GatewayConfig>, cert: 'tlsCert' | 'clientTlsCert', key: 'tlsKey' | 'clientTlsKey', fileOf: (key: string) => string | undefined): void {
  if ((merged[cert] === undefined) === (merged[key] === undefined)) return;
  const given = merged[cert] === undefined ? key : cert;
  const from = fileOf(given);
  if (from !== undefined) throw configFileError(from, `: ${cert} and ${key} go together: /${given} is given alone`, { field: `/${given}` });
  const flag = (k: string): string => `--${FLAG_BY_KEY.get(k)?.flag ?? k}`;
  throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${flag(cert)} and ${flag(key)} go together`, { field: flag(given) });
}

/**
 * `--client-tls-ca` (POS client certificates required) only with `--client-tls-cert` and `--client-tls-key` (TLS on the
 * POS listener): given alone it was accepted, by `--check-config` too (its file not even read), and the POS listener
 * stayed plain TCP, asking no terminal for a certificate. Else `ISO8583_ERR_GATEWAY_CONFIG` naming the flag, or, when
 * it came from the config file, the file and its key (`/clientTlsCa`).
 */
function checkClientCa(merged: Partial<GatewayConfig>, fileOf: (key: string) => string | undefined): void {
  if (merged.clientTlsCa === undefined || merged.clientTlsCert !== undefined) return;
  const from = fileOf('clientTlsCa');
  const why = 'without them the POS listener is plain TCP and asks no terminal for a certificate';
  if (from !== undefined) {
    throw configFileError(from, `: clientTlsCa needs clientTlsCert and clientTlsKey (${why}): /clientTlsCa is given alone`, { field: '/clientTlsCa' });
  }
  throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `--client-tls-ca needs --client-tls-cert and --client-tls-key: ${why}`, { field: '--client-tls-ca' });
}

/**
 * {@link parseCommandArgs} for the gateway: an unknown flag that is one of SocketQueue's parameters is refused with a
 * pointer to what replaces it (`--queueTimeout=35`: `--request-timeout 35000`).
 */
function parseWithPointers(argv: string[], specs: FlagSpecs): ReturnType<typeof parseCommandArgs> {
  try {
    return parseCommandArgs(argv, specs, 0);
  } catch (err) {
    const e = err as { code?: unknown; field?: unknown };
    const name = typeof e.field === 'string' ? e.field.replace(/^--?/, '') : '';
    const pointer = e.code === 'ISO8583_ERR_CLI_USAGE' ? socketQueuePointer(name, flagValue(argv, name)) : undefined;
    if (pointer === undefined) throw err;
    throw cliError('ISO8583_ERR_CLI_USAGE', `unknown flag --${name}, SocketQueue's: ${pointer}`, `--${name}`);
  }
}

/**
 * SocketQueue names the bank in two flags (`--upstreamHost`, `--upstreamPort`); ours is one (`--upstream`). Both
 * halves make `upstream`; one half alone, or both ways at once, is refused naming the flags, or the keys of the config
 * file `file` when the halves came from it (`ISO8583_ERR_GATEWAY_CONFIG`: flags never given are not named).
 */
function joinUpstream(merged: Partial<GatewayConfig>, file?: string): void {
  const host = merged.upstreamHost;
  const port = merged.upstreamPort;
  if (host === undefined && port === undefined) return;
  if (host === undefined || port === undefined) {
    const missing = host === undefined ? 'upstreamHost' : 'upstreamPort';
    if (file !== undefined) throw configFileError(file, ': upstreamHost and upstreamPort go together (or give upstream "HOST:PORT")', { field: `/${missing}` });
    throw cliError('ISO8583_ERR_CLI_USAGE', '--upstream-host and --upstream-port go together (or give --upstream HOST:PORT)', host === undefined ? '--upstream-host' : '--upstream-port');
  }
  if (merged.upstream !== undefined || merged.upstreams !== undefined) {
    const ours = merged.upstreams !== undefined ? 'upstreams' : 'upstream';
    if (file !== undefined) throw configFileError(file, `: ${ours} and upstreamHost/upstreamPort say the same thing: give one`, { field: '/upstreamHost' });
    throw cliError('ISO8583_ERR_CLI_OPTION', '--upstream and --upstream-host/--upstream-port say the same thing: give one', '--upstream-host');
  }
  merged.upstream = hostPort(host, port);
  delete merged.upstreamHost;
  delete merged.upstreamPort;
}

/** Splits `HOST:PORT` (or `[v6]:PORT`). */
export function splitHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  let host = value.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: Number(value.slice(i + 1)) };
}

/** The help text of `iso8583 gateway`. */
export function gatewayHelp(): string {
  return [
    'Usage: iso8583 gateway --upstream HOST:PORT [flags]',
    '',
    'POS clients (binary ISO 8583 over TCP) and web clients (JSON/XML over HTTP) share one host-to-host link.',
    'Every flag can also be given in a JSON file (--config FILE.json) under its camelCase name; flags win (in SocketQueue the file won).',
    'SocketQueue\'s names are aliases: --upstreamHost/--upstreamPort, --listenPort, --listenHttpPort, --statServerPort,',
    '--logFile, --noAutoReversal, --queueLockTerminal, --vv, --c FILE (also as config file keys; a boolean may be written',
    '--noAutoReversal=true or =false); using any of them means --socketqueue (SocketQueue\'s defaults, below).',
    '',
    flagHelp([
      { flag: 'config', short: 'c', aliases: ['c'], kind: 'string', arg: 'FILE.json', help: 'read the flags from a JSON file' },
      { flag: 'no-http', kind: 'boolean', help: 'no HTTP listener' },
      { flag: 'check-config', kind: 'boolean', help: 'check the flags, config file, dialects, TLS files, log file and journal folders, print one line and exit (opens no port, makes no file)' },
      { flag: 'route', kind: 'string', arg: 'PREFIX=NAME', help: 'send cards whose PAN starts with PREFIX to the upstream NAME (repeatable; longest wins)' },
      ...GATEWAY_FLAGS,
    ], 34),
    '',
  ].join('\n');
}
