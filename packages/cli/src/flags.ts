/**
 * The flags that every `iso8583` command shares (dialect, framing, TLS) and their conversion into the options of the
 * codec, the connector and the inbound endpoint. Each group is a {@link FlagSpecs} to spread into a command's flags,
 * a reader that checks the values, and the help text that documents them.
 */
import { readFlagFile } from './read-file.js';
import { readHex } from './hex.js';
import { BUILTIN_DIALECTS, resolveDialect } from '@iso8583/codec';
import { tlsMaterialProblem, tlsMaterialWarnings } from '@iso8583/codec/tls-material';
import { printable, writeNotice } from './io.js';
import type { Codec, Dialect, FramingOptions, LengthHeader } from '@iso8583/codec';
import type { FlagSpecs, FlagValues } from './args.js';
import { booleanFlag, choiceFlag, cliError, integerFlag, stringFlag } from './args.js';
import { flagHelp, flagSpecs } from './flag-table.js';
import type { FlagRow } from './flag-table.js';

/** The dialect used when `--dialect` is not given. */
export const DEFAULT_DIALECT = 'iso87ascii';

/** The length headers `--frame` accepts. */
export const FRAME_CHOICES: readonly LengthHeader[] = ['none', 'binary2', 'binary4', 'bcd2', 'ascii4'];

/** `--dialect NAME|FILE.json|FILE.xml` and `--lenient`. */
export const DIALECT_ROWS: readonly FlagRow[] = [
  {
    flag: 'dialect', short: 'd', kind: 'string', arg: 'NAME|FILE', default: DEFAULT_DIALECT,
    help: `a built-in dialect (${BUILTIN_DIALECTS.join(', ')}), a JSON dialect file (.json) or a jPOS GenericPackager file (.xml)`,
  },
  { flag: 'lenient', kind: 'boolean', help: 'accept characters that a field type does not allow (as some hosts send)' },
];

/** The most fixed header bytes a frame carries (the connector's and the inbound endpoint's `headerBytes` limit). */
export const MAX_HEADER_BYTES = 64;

/** `--frame`, `--header-bytes`, `--header-hex`, `--length-includes-header` and `--length-excludes-header-bytes`. */
export const FRAME_ROWS: readonly FlagRow[] = [
  {
    flag: 'frame', short: 'f', kind: 'choice', arg: 'KIND', choices: FRAME_CHOICES,
    help: `the length header: ${FRAME_CHOICES.join(', ')} (none: the stream is cut by decoding the message)`,
  },
  {
    flag: 'header-bytes', kind: 'integer', arg: 'N', min: 0, max: MAX_HEADER_BYTES, default: 0,
    help: 'fixed header bytes after the length and before the message (e.g. 5 for a TPDU)',
  },
  { flag: 'header-hex', kind: 'string', arg: 'HEX', help: `the fixed header to send (sets --header-bytes to its length; ${MAX_HEADER_BYTES} bytes at most)` },
  { flag: 'length-includes-header', kind: 'boolean', help: 'the length header counts its own bytes' },
  {
    flag: 'length-excludes-header-bytes', kind: 'boolean',
    help: 'the length counts the message only, not the --header-bytes fixed header bytes after it (SocketQueue\'s headerFormat, e.g. length:n:4,tpdu:b-hex:5:...)',
  },
];

/** `--tls` and the TLS material flags. */
export const TLS_ROWS: readonly FlagRow[] = [
  { flag: 'tls', kind: 'boolean', help: 'use TLS' },
  { flag: 'tls-ca', kind: 'string', arg: 'FILE', help: 'CA certificates (PEM) to trust; on a listener, clients must present a certificate' },
  { flag: 'tls-cert', kind: 'string', arg: 'FILE', help: "certificate (PEM): the server's on a listener, the client's on a connection" },
  { flag: 'tls-key', kind: 'string', arg: 'FILE', help: 'private key (PEM) of --tls-cert' },
  { flag: 'tls-servername', kind: 'string', arg: 'NAME', defaultText: 'the host', help: 'the name to check the server certificate against (SNI)' },
  { flag: 'tls-insecure', kind: 'boolean', help: 'do not check the server certificate (tests only)' },
];

/** The pino log levels `--log-level` accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * `--log-level` (with its default) and `--log-messages`, the logging flags of every command that moves messages.
 * `debug` adds a line per message in and out, `trace` its fields too; `--log-messages` logs both at `info`.
 */
export function logRows(defaultLevel: (typeof LOG_LEVELS)[number]): FlagRow[] {
  return [
    {
      flag: 'log-level', kind: 'choice', arg: 'LEVEL', choices: LOG_LEVELS, default: defaultLevel,
      help: `pino log level on stderr (${LOG_LEVELS.join(', ')}); debug adds a line per message, trace its fields`,
    },
    {
      flag: 'log-messages', kind: 'boolean', default: false,
      help: 'log every message in and out at info: direction, peer, latency and its fields, card data masked',
    },
  ];
}

/**
 * `--host` (default `127.0.0.1`) and `--port` of a network command; `portMin` 0 lets a listener pick a free port.
 */
export function endpointRows(portMin: 0 | 1, portHelp: string): FlagRow[] {
  return [
    { flag: 'host', kind: 'string', arg: 'HOST', default: '127.0.0.1', help: portMin === 0 ? 'the address to listen on' : 'the host' },
    { flag: 'port', short: 'p', kind: 'integer', arg: 'PORT', min: portMin, max: 65535, help: portHelp },
  ];
}

/** The `parseArgs` options of {@link DIALECT_ROWS}. */
export const DIALECT_FLAGS: FlagSpecs = flagSpecs(DIALECT_ROWS);

/** The `parseArgs` options of {@link FRAME_ROWS}. */
export const FRAME_FLAGS: FlagSpecs = flagSpecs(FRAME_ROWS);

/** The `parseArgs` options of {@link TLS_ROWS}. */
export const TLS_FLAGS: FlagSpecs = flagSpecs(TLS_ROWS);

/** The help text of {@link DIALECT_ROWS}. */
export const DIALECT_HELP = `Dialect:\n${flagHelp(DIALECT_ROWS)}`;

/** The help text of {@link FRAME_ROWS}. */
export const FRAME_HELP = `Framing:\n${flagHelp(FRAME_ROWS)}`;

/** The help text of {@link TLS_ROWS}. */
export const TLS_HELP = `TLS (any --tls-* flag implies --tls):\n${flagHelp(TLS_ROWS)}`;

/** The flags of {@link TLS_ROWS} for outbound connections only, which a listener refuses (see {@link readServerTls}). */
const CLIENT_ONLY_TLS = ['tls-servername', 'tls-insecure'];

/** The help text of {@link TLS_ROWS} for a listener: without the flags it refuses (`--tls-servername`, `--tls-insecure`). */
export const LISTENER_TLS_HELP = `TLS (any --tls-* flag implies --tls):\n${flagHelp(TLS_ROWS.filter((row) => !CLIENT_ONLY_TLS.includes(row.flag)))}`;

/** The dialect and its decoding mode, read from {@link DIALECT_FLAGS}. */
export interface DialectSettings {
  /** The resolved dialect. */
  dialect: Dialect;
  /** The `--dialect` reference as given (name or path), or the default name. */
  ref: string;
  /** Whether `--lenient` was given. */
  lenient: boolean;
}

/**
 * Resolves `--dialect` (default {@link DEFAULT_DIALECT}); the codec's `ISO8583_ERR_DIALECT_*` errors pass through. A
 * dialect file (`.json`, `.xml`) is read as every flag file is ({@link readFlagFile}: a regular file of at most 1 MiB,
 * else `ISO8583_ERR_CLI_FILE` naming `--dialect`, the file and the system's reason; never a device or a FIFO).
 */
export function readDialectFlags(values: FlagValues): DialectSettings {
  const ref = stringFlag(values, 'dialect') ?? DEFAULT_DIALECT;
  return { dialect: resolveDialect(ref, { readFile: (path) => readFlagFile(path, '--dialect') }), ref, lenient: booleanFlag(values, 'lenient') };
}

/** The framing of a stream, read from {@link FRAME_FLAGS}. */
export interface FrameSettings {
  /** The length header, or `undefined` when `--frame` was not given and the command has no default. */
  frame: LengthHeader | undefined;
  /** Whether the length counts its own bytes. */
  lengthIncludesHeader: boolean;
  /** Whether the length leaves out the fixed header bytes (`--length-excludes-header-bytes`; default false: it counts them). */
  lengthExcludesHeaderBytes: boolean;
  /** Fixed header bytes after the length header. */
  headerBytes: number;
  /** The fixed header to send (`--header-hex`), when given. */
  header: Buffer | undefined;
}

/**
 * A string flag of {@link FRAME_FLAGS} or {@link TLS_FLAGS}, refused when given empty (`--header-hex ''`,
 * `--tls-ca ''`) as the flag table refuses an empty value of its rows: `ISO8583_ERR_CLI_OPTION` naming the flag (an
 * empty header was taken as none, an empty server name as none, an empty CA path failed as a file error).
 */
function filledFlag(values: FlagValues, name: string): string | undefined {
  const value = stringFlag(values, name);
  if (value === '') throw cliError('ISO8583_ERR_CLI_OPTION', `--${name} must not be empty`, `--${name}`);
  return value;
}

/**
 * Reads {@link FRAME_FLAGS}. `defaultFrame` is the length header when `--frame` is absent (`undefined`: none at all,
 * the input is one bare message). `--header-hex` sets the header bytes (at most {@link MAX_HEADER_BYTES}, as
 * `--header-bytes`); with `--header-bytes` as well, both must agree.
 */
export function readFrameFlags(values: FlagValues, defaultFrame?: LengthHeader): FrameSettings {
  const frame = choiceFlag(values, 'frame', FRAME_CHOICES) ?? defaultFrame;
  const hex = filledFlag(values, 'header-hex');
  const header = hex === undefined ? undefined : hexToBytes(hex, '--header-hex');
  let headerBytes = integerFlag(values, 'header-bytes', { min: 0, max: MAX_HEADER_BYTES });
  if (header !== undefined) {
    if (header.length > MAX_HEADER_BYTES) {
      throw cliError('ISO8583_ERR_CLI_OPTION', `--header-hex: ${header.length} bytes, more than the ${MAX_HEADER_BYTES} a fixed header has at most`, '--header-hex');
    }
    if (headerBytes !== undefined && headerBytes !== header.length) {
      throw cliError('ISO8583_ERR_CLI_OPTION', '--header-bytes does not match the length of --header-hex',
        '--header-bytes');
    }
    headerBytes = header.length;
  }
  return {
    frame,
    lengthIncludesHeader: booleanFlag(values, 'length-includes-header'),
    lengthExcludesHeaderBytes: booleanFlag(values, 'length-excludes-header-bytes'),
    headerBytes: headerBytes ?? 0,
    header,
  };
}

/**
 * The codec's framing options for `settings` (`--frame none` cuts the stream with the codec's `measure`).
 * Only meaningful when `settings.frame` is set.
 */
export function framingOptions(settings: FrameSettings, codec: Codec, lenient = false): FramingOptions {
  const out: FramingOptions = {
    lengthHeader: settings.frame ?? 'none',
    lengthIncludesHeader: settings.lengthIncludesHeader,
    lengthExcludesHeaderBytes: settings.lengthExcludesHeaderBytes,
    headerBytes: settings.headerBytes,
  };
  if (settings.frame === 'none') out.measure = (bytes: Buffer) => codec.measure(bytes, { lenient });
  return out;
}

/** TLS options of an outbound connection (the connector's `tls` option, `tls.connect` options). */
export interface ClientTlsSettings {
  /** Trusted CA certificates (PEM). Default: Node's bundled CAs. */
  ca?: string;
  /** The client certificate (PEM) for mutual TLS. */
  cert?: string;
  /** The private key (PEM) of `cert`. */
  key?: string;
  /** The name checked against the server certificate (SNI). Default: the host. */
  servername?: string;
  /** Whether the server certificate is checked. Default `true`; `--tls-insecure` makes it `false`. */
  rejectUnauthorized: boolean;
}

/** TLS options of a listener (the inbound endpoint's `tls` option). */
export interface ServerTlsSettings {
  /** The server certificate (PEM). */
  cert: string;
  /** The private key (PEM) of `cert`. */
  key: string;
  /** CA certificates (PEM) that client certificates must chain to. */
  ca?: string;
  /** Whether clients must present a certificate: `true` when `--tls-ca` is given. */
  requestCert: boolean;
}

function tlsWanted(values: FlagValues): boolean {
  return Object.keys(TLS_FLAGS).some((name) => values[name] !== undefined && values[name] !== false);
}

/**
 * Reads a PEM file named by `flag` (every command and the gateway read TLS material through this one reader);
 * `undefined` for no path. `ISO8583_ERR_CLI_FILE` naming the flag, the file and the system's reason when it cannot be
 * read.
 */
export function readPemFile(path: string | undefined, flag: string): string | undefined {
  return path === undefined ? undefined : readFlagFile(path, flag);
}

/** One file of TLS material: its PEM text, the file and the flag or config key that named it. */
export interface PemFile {
  /** The file's text (PEM). */
  pem: string;
  /** The file (named in errors, never its content). */
  path: string;
  /** The flag or config key naming the file. */
  flag: string;
}

/** TLS material as read from its files (PEM text), each with the file and the flag or config key that named it. */
export interface TlsMaterial {
  /** CA certificates. */
  ca?: PemFile;
  /** A certificate. */
  cert?: PemFile;
  /** The private key of `cert`. */
  key?: PemFile;
}

/**
 * Checks TLS material as Node's TLS will use it (`tls.createSecureContext`), before any socket opens: the CA file holds
 * at least one certificate and each parses, the certificate parses, the key is a private key (not encrypted), and the
 * key belongs to the certificate (`tlsMaterialProblem` of `@iso8583/codec`, the one home of the check).
 * `ISO8583_ERR_CLI_FILE` naming the flag (or config key), the file and OpenSSL's code and reason; never the file's
 * content. A certificate of the certificate file outside its validity period, or a CA file whose every certificate is
 * (`tlsMaterialWarnings`: expired, or not yet valid), is no refusal
 * (an operator may have to start with it to rotate it) but an `iso8583: warning:` line on stderr naming the flag, the
 * file and the date, at `--check-config` and at every start alike (once a process for the same line).
 */
export function checkTlsMaterial(material: TlsMaterial): void {
  const named = (part: PemFile | undefined) => (part === undefined ? undefined : { pem: part.pem, name: part.flag, where: part.path });
  const ca = named(material.ca);
  const cert = named(material.cert);
  const key = named(material.key);
  const problem = tlsMaterialProblem({ ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) });
  if (problem !== undefined) throw cliError('ISO8583_ERR_CLI_FILE', `${problem.name}: ${problem.reason}`, problem.name);
  for (const warning of tlsMaterialWarnings({ ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }) })) {
    const line = `iso8583: warning: ${printable(`${warning.name}: ${warning.reason}`)}\n`;
    if (tlsWarned.has(line)) continue;
    tlsWarned.add(line);
    writeNotice(process.stderr, line);
  }
}

/** The TLS validity warnings this process wrote (the gateway checks the files of each upstream: one line each). */
const tlsWarned = new Set<string>();

function readPem(values: FlagValues, name: string): string | undefined {
  return readPemFile(filledFlag(values, name), `--${name}`);
}

/** {@link checkTlsMaterial} of the PEM text read from `--tls-ca`, `--tls-cert` and `--tls-key`, each named by its flag and file. */
function checkTlsFlags(values: FlagValues, pems: Partial<Record<'ca' | 'cert' | 'key', string | undefined>>): void {
  const material: TlsMaterial = {};
  for (const part of ['ca', 'cert', 'key'] as const) {
    const pem = pems[part];
    if (pem !== undefined) material[part] = { pem, path: stringFlag(values, `tls-${part}`) as string, flag: `--tls-${part}` };
  }
  checkTlsMaterial(material);
}

/** Reads {@link TLS_FLAGS} for a client; `undefined` when no TLS flag was given. */
export function readClientTls(values: FlagValues): ClientTlsSettings | undefined {
  if (!tlsWanted(values)) return undefined;
  const out: ClientTlsSettings = { rejectUnauthorized: !booleanFlag(values, 'tls-insecure') };
  const ca = readPem(values, 'tls-ca');
  const cert = readPem(values, 'tls-cert');
  const key = readPem(values, 'tls-key');
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? '--tls-cert' : '--tls-key';
    throw cliError('ISO8583_ERR_CLI_USAGE', `${missing} is required with ${missing === '--tls-cert' ? '--tls-key' : '--tls-cert'}`, missing);
  }
  // Checked here too (the connector would refuse it as `tls.ca`): the error then names the flag and its file.
  checkTlsFlags(values, { ca, cert, key });
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  const servername = filledFlag(values, 'tls-servername');
  if (servername !== undefined) out.servername = servername;
  return out;
}

/** Reads {@link TLS_FLAGS} for a listener: `--tls-cert` and `--tls-key` are required; `undefined` without TLS flags. */
export function readServerTls(values: FlagValues): ServerTlsSettings | undefined {
  if (!tlsWanted(values)) return undefined;
  for (const name of CLIENT_ONLY_TLS) {
    if (values[name] !== undefined) {
      throw cliError('ISO8583_ERR_CLI_USAGE', `--${name} applies to outbound connections only`, `--${name}`);
    }
  }
  const cert = readPem(values, 'tls-cert');
  const key = readPem(values, 'tls-key');
  if (cert === undefined) throw cliError('ISO8583_ERR_CLI_USAGE', '--tls-cert is required to listen with TLS', '--tls-cert');
  if (key === undefined) throw cliError('ISO8583_ERR_CLI_USAGE', '--tls-key is required to listen with TLS', '--tls-key');
  const ca = readPem(values, 'tls-ca');
  // Checked before the port opens: a CA file with no certificate would be taken and then refuse every client.
  checkTlsFlags(values, { ca, cert, key });
  const out: ServerTlsSettings = { cert, key, requestCert: ca !== undefined };
  if (ca !== undefined) out.ca = ca;
  return out;
}

/**
 * Reads hex text (whitespace and a leading `0x` ignored, either case) as bytes ({@link readHex}).
 * `ISO8583_ERR_CLI_HEX` names `what` and the position of the first bad character in the text as given (counting from
 * 1, white space and `0x` included: where an editor finds it), never the text.
 */
export function hexToBytes(text: string, what: string): Buffer {
  const read = readHex(text);
  if ('problem' in read) throw cliError('ISO8583_ERR_CLI_HEX', `${what}: ${read.problem}`, what);
  return read.bytes;
}
