import { readFileSync } from 'node:fs';
import { compileSchemaCheck } from '@iso8583/codec';
import { cliError, parseCommandArgs } from '../args.js';
import type { FlagSpecs } from '../args.js';
import { gatewayError } from './errors.js';

/** The length headers a stream can use (see `@iso8583/codec` framing). */
export const FRAMES = ['none', 'binary2', 'binary4', 'bcd2', 'ascii4'] as const;

/** A length header name. */
export type FrameName = (typeof FRAMES)[number];

/**
 * The gateway configuration: one key per command-line flag (the flag in camelCase), so that a JSON config file and the
 * flags say the same things. Flags win over the file.
 */
export interface GatewayConfig {
  /** The bank or switch, `HOST:PORT`. Required. */
  upstream: string;
  /** The port for binary POS clients. Default 8583; 0 picks a free port. */
  listen: number;
  /** The HTTP port (`POST /`, `POST /raw`, `GET /stats`, `GET /metrics`). Default 8080; 0 picks a free port. */
  http: number;
  /** Serve HTTP at all. Default `true` (`--no-http` turns it off). */
  httpEnabled: boolean;
  /** A separate port for `GET /metrics` and `GET /stats` only. Default: none (served on the HTTP port). */
  metrics?: number;
  /** The address the listeners bind to. Default `127.0.0.1`. */
  bind: string;
  /** The dialect (built-in name or .json/.xml file) on the upstream side. Default `iso87ascii`. */
  dialect: string;
  /** The dialect spoken by POS clients. Default: the upstream dialect. */
  clientDialect?: string;
  /** The length header towards the upstream. Default `binary2`. */
  frame: FrameName;
  /** The length header of POS clients. Default: `frame`. */
  clientFrame?: FrameName;
  /** Whether the length counts the length header itself (both sides). Default `false`. */
  lengthIncludesHeader: boolean;
  /** Fixed header bytes (e.g. 5 for a TPDU) towards the upstream. Default 0. */
  headerBytes: number;
  /** Fixed header bytes of POS clients. Default: `headerBytes`. */
  clientHeaderBytes?: number;
  /** Use TLS towards the upstream. Default `false` (implied by any `tls*` file option). */
  tls: boolean;
  /** CA certificate file (PEM) that signed the upstream's certificate. Default: Node's CA store. */
  tlsCa?: string;
  /** Client certificate file (PEM) presented to the upstream. Default: none. */
  tlsCert?: string;
  /** Private key file (PEM) of `tlsCert`. Default: none. */
  tlsKey?: string;
  /** The server name expected in the upstream's certificate. Default: the upstream host. */
  tlsServername?: string;
  /** Accept an upstream certificate that does not verify (testing only). Default `false`. */
  tlsInsecure: boolean;
  /** Certificate file (PEM) of the POS listener; turns TLS on for POS clients. Default: plain TCP. */
  clientTlsCert?: string;
  /** Private key file (PEM) of `clientTlsCert`. */
  clientTlsKey?: string;
  /** CA file (PEM) that client certificates must chain to; requires client certificates. Default: none. */
  clientTlsCa?: string;
  /** One request at a time per terminal (field 41), the others queued in order. Default `false`. */
  terminalQueue: boolean;
  /** Directory of the durable reversal journal. Default: `defaultJournalDir("upstream")` (`$XDG_STATE_HOME/iso8583/upstream`, else `~/.local/state/iso8583/upstream`). */
  reversalJournal?: string;
  /** Milliseconds between attempts of a reversal that is not answered. Default 10000. */
  reversalRetryInterval: number;
  /** Turn automatic reversal off. Default `false` (reversal on). */
  noReversal: boolean;
  /** Milliseconds to wait for the upstream's answer. Default 30000. */
  requestTimeout: number;
  /** Milliseconds between echo tests (0800/301) on an idle upstream link; 0 turns them off. Default 60000. */
  echoInterval: number;
  /** Sign on (0800/001) when the upstream link opens and off when it closes. Default `false`. */
  signOn: boolean;
  /** Most POS connections at once. Default 1000. */
  maxConnections: number;
  /** Milliseconds a POS connection may stay idle before it is closed; 0 never. Default 300000. */
  idleTimeout: number;
  /** Milliseconds SIGTERM/SIGINT waits for in-flight work and pending reversals before exiting. Default 10000. */
  shutdownDeadline: number;
  /** Log file (JSON lines, reopened on SIGHUP). Default: standard error. */
  logFile?: string;
  /** The pino log level. Default `info`. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

type Kind = 'string' | 'port' | 'integer' | 'boolean' | 'frame' | 'hostport' | 'level';

/** One flag: its config key, kind and help text. */
export interface FlagSpec {
  /** The key in the config file and in {@link GatewayConfig}. */
  key: keyof GatewayConfig;
  /** The flag without its dashes. */
  flag: string;
  /** The kind of value. */
  kind: Kind;
  /** The help text. */
  help: string;
  /** The value's placeholder in the help (`FILE`, `DIR`). Default: from the kind. */
  arg?: string;
}

/** Every gateway flag; the config file schema and the help text are made from this table. */
export const GATEWAY_FLAGS: readonly FlagSpec[] = [
  { key: 'upstream', flag: 'upstream', kind: 'hostport', help: 'the bank or switch, HOST:PORT (required)' },
  { key: 'listen', flag: 'listen', kind: 'port', help: 'port for binary POS clients (default 8583; 0 = any)' },
  { key: 'http', flag: 'http', kind: 'port', help: 'HTTP port: POST /, POST /raw, GET /stats, GET /metrics (default 8080)' },
  { key: 'httpEnabled', flag: 'http-enabled', kind: 'boolean', help: 'serve HTTP (default true; --no-http turns it off)' },
  { key: 'metrics', flag: 'metrics', kind: 'port', help: 'separate port for GET /metrics and GET /stats (default: the HTTP port)' },
  { key: 'bind', flag: 'bind', arg: 'ADDRESS', kind: 'string', help: 'address the listeners bind to (default 127.0.0.1)' },
  { key: 'dialect', flag: 'dialect', arg: 'NAME|FILE', kind: 'string', help: 'dialect: built-in name or .json/.xml file (default iso87ascii)' },
  { key: 'clientDialect', flag: 'client-dialect', arg: 'NAME|FILE', kind: 'string', help: 'dialect of POS clients (default: --dialect)' },
  { key: 'frame', flag: 'frame', kind: 'frame', help: 'upstream length header: none|binary2|binary4|bcd2|ascii4 (default binary2)' },
  { key: 'clientFrame', flag: 'client-frame', kind: 'frame', help: 'POS length header (default: --frame)' },
  { key: 'lengthIncludesHeader', flag: 'length-includes-header', kind: 'boolean', help: 'the length counts itself (default false)' },
  { key: 'headerBytes', flag: 'header-bytes', arg: 'N', kind: 'integer', help: 'fixed header bytes upstream, e.g. 5 for a TPDU (default 0)' },
  { key: 'clientHeaderBytes', flag: 'client-header-bytes', arg: 'N', kind: 'integer', help: 'fixed header bytes of POS clients (default: --header-bytes)' },
  { key: 'tls', flag: 'tls', kind: 'boolean', help: 'TLS towards the upstream (default false)' },
  { key: 'tlsCa', flag: 'tls-ca', arg: 'FILE', kind: 'string', help: 'CA file (PEM) of the upstream certificate' },
  { key: 'tlsCert', flag: 'tls-cert', arg: 'FILE', kind: 'string', help: 'client certificate file (PEM) for the upstream' },
  { key: 'tlsKey', flag: 'tls-key', arg: 'FILE', kind: 'string', help: 'key file (PEM) of --tls-cert' },
  { key: 'tlsServername', flag: 'tls-servername', arg: 'NAME', kind: 'string', help: 'server name expected in the upstream certificate' },
  { key: 'tlsInsecure', flag: 'tls-insecure', kind: 'boolean', help: 'do not verify the upstream certificate (testing only)' },
  { key: 'clientTlsCert', flag: 'client-tls-cert', arg: 'FILE', kind: 'string', help: 'certificate file (PEM): TLS for POS clients' },
  { key: 'clientTlsKey', flag: 'client-tls-key', arg: 'FILE', kind: 'string', help: 'key file (PEM) of --client-tls-cert' },
  { key: 'clientTlsCa', flag: 'client-tls-ca', arg: 'FILE', kind: 'string', help: 'CA file (PEM): require POS client certificates' },
  { key: 'terminalQueue', flag: 'terminal-queue', kind: 'boolean', help: 'one request at a time per terminal (field 41)' },
  { key: 'reversalJournal', flag: 'reversal-journal', arg: 'DIR', kind: 'string', help: 'directory of the durable reversal journal (default $XDG_STATE_HOME/iso8583/upstream, else ~/.local/state/iso8583/upstream)' },
  { key: 'reversalRetryInterval', flag: 'reversal-retry-interval', arg: 'MS', kind: 'integer', help: 'ms between attempts of an unanswered reversal (default 10000)' },
  { key: 'noReversal', flag: 'no-reversal', kind: 'boolean', help: 'do not reverse requests whose outcome is unknown' },
  { key: 'requestTimeout', flag: 'request-timeout', arg: 'MS', kind: 'integer', help: 'ms to wait for the upstream answer (default 30000)' },
  { key: 'echoInterval', flag: 'echo-interval', arg: 'MS', kind: 'integer', help: 'ms between echo tests on an idle link, 0 = off (default 60000)' },
  { key: 'signOn', flag: 'sign-on', kind: 'boolean', help: 'sign on (0800/001) and off with the upstream' },
  { key: 'maxConnections', flag: 'max-connections', arg: 'N', kind: 'integer', help: 'most POS connections at once (default 1000)' },
  { key: 'idleTimeout', flag: 'idle-timeout', arg: 'MS', kind: 'integer', help: 'ms before an idle POS connection is closed, 0 = never (default 300000)' },
  { key: 'shutdownDeadline', flag: 'shutdown-deadline', arg: 'MS', kind: 'integer', help: 'ms SIGTERM waits for in-flight work and reversals (default 10000)' },
  { key: 'logFile', flag: 'log-file', arg: 'FILE', kind: 'string', help: 'log file, reopened on SIGHUP (default: standard error)' },
  { key: 'logLevel', flag: 'log-level', kind: 'level', help: 'fatal|error|warn|info|debug|trace|silent (default info)' },
];

/** All default values in one place. */
export const GATEWAY_DEFAULTS = {
  listen: 8583,
  http: 8080,
  httpEnabled: true,
  bind: '127.0.0.1',
  dialect: 'iso87ascii',
  frame: 'binary2',
  lengthIncludesHeader: false,
  headerBytes: 0,
  tls: false,
  tlsInsecure: false,
  terminalQueue: false,
  noReversal: false,
  reversalRetryInterval: 10_000,
  requestTimeout: 30_000,
  echoInterval: 60_000,
  signOn: false,
  maxConnections: 1000,
  idleTimeout: 300_000,
  shutdownDeadline: 10_000,
  logLevel: 'info',
} as const satisfies Partial<GatewayConfig>;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function kindSchema(kind: Kind): Record<string, unknown> {
  switch (kind) {
    case 'string':
      return { type: 'string', minLength: 1 };
    case 'port':
      return { type: 'integer', minimum: 0, maximum: 65535 };
    case 'integer':
      return { type: 'integer', minimum: 0 };
    case 'boolean':
      return { type: 'boolean' };
    case 'frame':
      return { type: 'string', enum: [...FRAMES] };
    case 'level':
      return { type: 'string', enum: LEVELS };
    case 'hostport':
      return { type: 'string', pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^:\\s\\[\\]]+):[0-9]{1,5}$' };
  }
}

/** The JSON Schema of a gateway config file (every key optional except `upstream`, once merged with the flags). */
export const GATEWAY_CONFIG_SCHEMA = {
  $id: 'https://iso8583.dev/schemas/gateway-config.json',
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries([
    ['$schema', { type: 'string' }],
    ...GATEWAY_FLAGS.map((f) => [f.key, { ...kindSchema(f.kind), description: f.help }]),
  ]),
} as const;

const checkFile = compileSchemaCheck(GATEWAY_CONFIG_SCHEMA, {
  code: 'ISO8583_ERR_GATEWAY_CONFIG',
  subject: 'gateway config file',
  paths: 'pointer',
});
const checkFlags = compileSchemaCheck(GATEWAY_CONFIG_SCHEMA, {
  code: 'ISO8583_ERR_CLI_OPTION',
  subject: 'gateway flags',
  paths: 'pointer',
  coerceTypes: true,
});

const FLAG_BY_KEY = new Map(GATEWAY_FLAGS.map((f) => [f.key as string, f]));

/** Reads and validates a gateway JSON config file. */
export function readConfigFile(path: string): Partial<GatewayConfig> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `config file ${path} cannot be read as JSON`, { field: 'config', cause: err });
  }
  const problems = checkFile(data);
  if (problems.length > 0) {
    throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `config file ${path} is invalid`, { field: 'config', problems });
  }
  const out = { ...(data as Record<string, unknown>) };
  delete out.$schema;
  return out as Partial<GatewayConfig>;
}

/** The result of parsing the gateway's command line. */
export interface ParsedGatewayArgs {
  /** The merged, validated config (defaults applied). */
  config: GatewayConfig;
  /** `--help` was given. */
  help: boolean;
}

/**
 * Parses the gateway's flags, reads `--config FILE.json` when given, and merges: defaults < file < flags. Every
 * problem (unknown flag, bad value, bad file key) is a coded error naming the flag or key.
 */
export function parseGatewayArgs(argv: string[], extraDefaults: Partial<GatewayConfig> = {}): ParsedGatewayArgs {
  const specs: FlagSpecs = { config: { type: 'string' }, 'no-http': { type: 'boolean' } };
  for (const f of GATEWAY_FLAGS) specs[f.flag] = { type: f.kind === 'boolean' ? 'boolean' : 'string' };
  const parsed = parseCommandArgs(argv, specs, 0);
  const values = parsed.values;
  const help = parsed.help;
  const fromFile = typeof values.config === 'string' ? readConfigFile(values.config) : {};
  const fromFlags: Record<string, unknown> = {};
  for (const f of GATEWAY_FLAGS) {
    const v = values[f.flag];
    if (v !== undefined) fromFlags[f.key] = v;
  }
  if (values['no-http'] === true) fromFlags.httpEnabled = false;
  const flagProblems = checkFlags(fromFlags);
  if (flagProblems.length > 0) {
    const problems = flagProblems.map((p) => {
      const spec = FLAG_BY_KEY.get(p.field.replace(/^\//, ''));
      return spec ? { ...p, field: `--${spec.flag}` } : p;
    });
    const text = problems.map((p) => `${p.field} ${p.reason}`).join('; ');
    throw cliError('ISO8583_ERR_CLI_OPTION', text, problems[0]?.field);
  }
  const merged = { ...GATEWAY_DEFAULTS, ...extraDefaults, ...fromFile, ...fromFlags } as Partial<GatewayConfig>;
  if (merged.upstream === undefined && !help) {
    throw cliError('ISO8583_ERR_CLI_USAGE', '--upstream HOST:PORT is required (flag or config file key "upstream")', '--upstream');
  }
  if ((merged.tlsCert === undefined) !== (merged.tlsKey === undefined)) {
    throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', '--tls-cert and --tls-key go together', { field: '--tls-cert' });
  }
  if ((merged.clientTlsCert === undefined) !== (merged.clientTlsKey === undefined)) {
    throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', '--client-tls-cert and --client-tls-key go together', {
      field: '--client-tls-cert',
    });
  }
  if (merged.tlsCa !== undefined || merged.tlsCert !== undefined || merged.tlsServername !== undefined) merged.tls = true;
  return { config: Object.freeze(merged) as GatewayConfig, help };
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
  const lines = GATEWAY_FLAGS.map((f) => {
    const arg = f.arg ?? (f.kind === 'hostport' ? 'HOST:PORT' : f.kind.toUpperCase());
    const left = f.kind === 'boolean' ? `--${f.flag}` : `--${f.flag} ${arg}`;
    return `  ${left.padEnd(34)} ${f.help}`;
  });
  return [
    'Usage: iso8583 gateway --upstream HOST:PORT [flags]',
    '',
    'POS clients (binary ISO 8583 over TCP) and web clients (JSON/XML over HTTP) share one host-to-host link.',
    'Every flag can also be given in a JSON file (--config FILE.json) under its camelCase name; flags win.',
    '',
    `  ${'--config FILE.json'.padEnd(34)} read the flags from a JSON file`,
    `  ${'--no-http'.padEnd(34)} no HTTP listener`,
    ...lines,
    '',
  ].join('\n');
}
