/**
 * Argument parsing for every `iso8583` command: a thin layer over `node:util` `parseArgs` that turns its errors into
 * coded {@link Iso8583Error}s, answers `--help`, and checks numbers. The error texts name the flag, never a value
 * (a hex argument is a wire image and may carry a PAN).
 */
import { parseArgs } from 'node:util';
import { Iso8583Error } from '@iso8583/codec';

/** The error codes of the `iso8583` command itself (the codec, connector and inbound codes pass through as they are). */
export const CLI_ERROR_CODES = {
  ISO8583_ERR_CLI_USAGE:
    'The command line is wrong: an unknown command or flag, a missing flag value, or too many arguments; names the flag.',
  ISO8583_ERR_CLI_OPTION:
    'A flag value that is out of range, not one of the allowed values, empty, or not in the form its help gives, or a flag given twice (or under two of its names); names the flag.',
  ISO8583_ERR_CLI_HEX: 'Hex text (a wire image, `--header-hex`) with a character that is not a hex digit, or an odd number of digits; gives the position.',
  ISO8583_ERR_CLI_INPUT: 'The input is empty, stdin is a folder, the input holds no message, ends inside a frame, is over 16 MiB (read whole: a message, a bare wire image, its hex), or is not the form `--input` asks for; or the header in `encode`\'s or `send`\'s input is not `--header-bytes` long (names the flag); or `send` cannot put the message\'s header where `encode` does (names `header`: `--header-hex` gives another fixed frame header, one over 64 bytes, a dialect header of another length or besides a fixed frame header).',
  ISO8583_ERR_CLI_FILE:
    'A file named by a flag or config key (TLS material, `--config`, `--http-token-file`, `--transactions`, a `--dialect` file or the packager it `extends`) cannot be read (`ENOENT`, `EISDIR`, `EACCES`), is no regular file (a named FIFO or a device such as `/dev/zero`: refused before a byte is read; a pipe this process holds, `/dev/stdin`, `/dev/fd/N` or `/proc/self/fd/N` as a shell\'s `<(...)` gives it, is read to its end, but for a `--dialect` file, a regular file whose name ends in `.json` or `.xml`), is over 1 MiB, is PEM text given where its path goes (refused as such, never echoed), or does not hold what the flag asks for: TLS material Node cannot use (no PEM block, a certificate or key that does not parse, an encrypted key, a key that does not go with its certificate or is of another type), a `--transactions` file that is not JSON or not a list of transactions. Names the flag, the file (only a plausible file name: 256 characters at most, no control character; a key\'s or token file\'s value that names no file is not shown, it may be the secret itself) and the reason, never the file\'s content.',
  ISO8583_ERR_CLI_OUTPUT:
    'The output (stdout) cannot be written: a full disk (`ENOSPC`), an output closed; gives the system\'s reason; from `send`, whose answer came, it says so too: the host answered the request, with the answer\'s MTI, fields 11, 41 and 39 (masked as log lines show them), and that it is not to be sent again (exit code 1). A reader that closes stdout early (`EPIPE`, a pipe into `head -1`) ends a one-shot command without this line, with the exit code it had decided (0, or `load`\'s 1, 3, 130 or 143); a server whose start line nobody reads (`simulate-host`, `gateway`, `run`, `demo`) closes what it opened and fails with this line, exit code 1; a reader gone while a server runs never cuts its stop short (it ends quietly, with the stop\'s exit code); `EPIPE` on stderr keeps the exit code of the failure (2 for a wrong command line, else 1).',
  ISO8583_ERR_CLI_LOAD: 'The load generator could not connect any of its terminals to the host.',
  ISO8583_ERR_CLI_LISTEN:
    'A listener cannot open its port (in use, not permitted); names the flag (`--port`, `--listen`, `--http`, `--metrics`, `--stats-port`) or the path in the flow file (`/http/port`, `/inboundEndpoints/NAME/port`) and the reason (`EADDRINUSE`). An address that does not resolve (`ENOTFOUND`, `EAI_AGAIN`) or is not this machine\'s (`EADDRNOTAVAIL`) names the flag of the address instead (`--host`, `--bind`, `--http-bind`, `--metrics-host`, `/inboundEndpoints/NAME/host`, `/http/host`).',
  ISO8583_ERR_CLI_UNEXPECTED: 'An error without a code reached the command (a bug to report); the message says what failed.',
  ISO8583_ERR_CLI_UNSETTLED: 'A command stopped without an outcome (a library promise that never settled); a bug to report.',
} as const;

/** A stable error code of the `iso8583` command. */
export type CliErrorCode = keyof typeof CLI_ERROR_CODES;

/** Makes a coded error of the command. */
export function cliError(code: CliErrorCode, message: string, field?: string): Iso8583Error {
  return new Iso8583Error(code, message, field === undefined ? {} : { field });
}

/**
 * Runs `start` (a listener opening `host:port`); a failure to listen (port in use, address not available) becomes
 * `ISO8583_ERR_CLI_LISTEN` naming `flag`, or the flag of the address for an address that does not resolve or is not
 * this machine's ({@link listenError}).
 */
export async function listening<T>(flag: string, host: string, port: number, start: () => Promise<T>, hostFlag?: string): Promise<T> {
  try {
    return await start();
  } catch (err) {
    throw listenError(err, flag, host, port, hostFlag);
  }
}

/** The system's reasons that are the address's fault, not the port's: it does not resolve, or is not this machine's. */
const ADDRESS_REASONS: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EADDRNOTAVAIL']);

/** The flag (or flow file path) of the address each port flag binds to, when it has one. */
const HOST_FLAGS: Readonly<Record<string, string>> = {
  '--port': '--host',
  '--listen': '--bind',
  '--http': '--http-bind',
  '--metrics': '--metrics-host',
  '--stats-port': '--metrics-host',
};

/**
 * The flag of the address a listener named by its port flag binds to: `hostFlag` when given, else the one that goes
 * with `flag` (`--listen`: `--bind`, `--port`: `--host`, a flow file's `/inboundEndpoints/NAME/port`:
 * `/inboundEndpoints/NAME/host`), else `flag` itself.
 */
function addressFlag(flag: string, hostFlag: string | undefined): string {
  if (hostFlag !== undefined) return hostFlag;
  if (flag.startsWith('/') && flag.endsWith('/port')) return `${flag.slice(0, -'port'.length)}host`;
  return HOST_FLAGS[flag] ?? flag;
}

/**
 * The error of a listener that could not open `host:port`: `ISO8583_ERR_CLI_LISTEN` naming `flag` and the system's
 * reason (`EADDRINUSE`, `EACCES`), with the original error as `cause`. An address that does not resolve (`ENOTFOUND`,
 * `EAI_AGAIN`) or is not this machine's (`EADDRNOTAVAIL`) names the flag of the address instead (`hostFlag`, default
 * the one that goes with `flag`: `--bind` for `--listen`), never the port: the port was never tried. Any other error of
 * a start (not a listening failure: a sequence that cannot be found, say) is returned as it is.
 */
export function listenError(err: unknown, flag: string, host: string, port: number, hostFlag?: string): Error {
  const cause = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  // The inbound endpoint wraps the socket error (ISO8583_ERR_INBOUND_LISTEN, the system code in `cause`).
  const reason = [cause?.cause?.code, cause?.code].find((c) => typeof c === 'string' && /^E[A-Z_]+$/.test(c) && !c.startsWith('ERR_'));
  // Anything else that failed while starting (a sequence that cannot be found, say) keeps its own code and text.
  if (reason === undefined && cause?.code !== 'ISO8583_ERR_INBOUND_LISTEN' && err instanceof Error) return err;
  if (typeof reason === 'string' && ADDRESS_REASONS.has(reason)) {
    const named = addressFlag(flag, hostFlag);
    const why = reason === 'EADDRNOTAVAIL' ? 'not an address of this machine' : 'the address does not resolve';
    return new Iso8583Error('ISO8583_ERR_CLI_LISTEN', `${named}: cannot listen on ${host}:${port} (${reason}: ${why})`, { field: named, cause: err });
  }
  return new Iso8583Error('ISO8583_ERR_CLI_LISTEN', `${flag}: cannot listen on ${host}:${port} (${String(reason ?? 'error')})`, {
    field: flag,
    cause: err,
  });
}

/** The description of one flag, as `node:util` `parseArgs` takes it. */
export interface FlagSpec {
  /** `string` takes a value (`--port 8583`), `boolean` does not. */
  type: 'string' | 'boolean';
  /** A one-letter alias (`-p`). */
  short?: string;
  /** Whether the flag may be given several times. Default `false`. */
  multiple?: boolean;
}

/** The flags of a command, keyed by long name. */
export type FlagSpecs = Record<string, FlagSpec>;

/** The parsed values of a command line (each flag as its string, boolean or list). */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A parsed command line. */
export interface ParsedArgs {
  /** The flag values, keyed by long name. */
  values: FlagValues;
  /** The arguments that are not flags. */
  positionals: string[];
  /** True when `--help` (or `-h`) was given: the caller prints its usage and exits 0. */
  help: boolean;
}

/**
 * Parses a command line against `flags` (plus `--help`/`-h`). Unknown flags, missing values and more than
 * `maxPositionals` arguments are `ISO8583_ERR_CLI_USAGE` errors naming the flag (never echoing an argument value); a
 * flag given twice (`--port 1 --port 2`, or `-p 1 --port 2`) that is not a list is `ISO8583_ERR_CLI_OPTION` naming
 * it, as two names of one flag are (`resolveAliases`, flag-table.ts): the command never picks one silently.
 */
export function parseCommandArgs(argv: string[], flags: FlagSpecs, maxPositionals = 0): ParsedArgs {
  let parsed: { values: FlagValues; positionals: string[]; tokens: ArgToken[] };
  // `--help` is a flag of every command: its misuse (`--help=x`) is named as any boolean's is.
  const options: FlagSpecs = { ...flags, help: { type: 'boolean', short: 'h' } };
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, flags),
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    }) as typeof parsed;
  } catch (err) {
    throw usageErrorFrom(err, argv, options);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    const name = token.kind === 'option' ? token.name : undefined;
    if (name === undefined || name === 'help' || flags[name]?.multiple === true) continue;
    if (seen.has(name)) throw cliError('ISO8583_ERR_CLI_OPTION', `--${name} is given twice: give it once`, `--${name}`);
    seen.add(name);
  }
  const help = parsed.values.help === true;
  delete parsed.values.help;
  if (!help && parsed.positionals.length > maxPositionals) {
    const stray = strayWord(parsed.tokens, maxPositionals);
    throw cliError(
      'ISO8583_ERR_CLI_USAGE',
      (maxPositionals === 0
        ? 'this command takes no arguments (only flags)'
        : `too many arguments: at most ${maxPositionals} expected, got ${parsed.positionals.length}`) + stray.text,
      stray.flag,
    );
  }
  return { values: parsed.values, positionals: parsed.positionals, help };
}

/** A token of `parseArgs` (`tokens: true`): an option (its name, as written, its inline value) or a positional. */
interface ArgToken {
  kind: string;
  name?: string;
  rawName?: string;
  value?: string;
  inlineValue?: boolean;
}

/**
 * A word of the command line as an error may say it: quoted when it is a plain word (at most 32 letters, digits, `.`,
 * `_` or `-`, starting with a letter, fewer than 6 digits in all), else only its length (`a word of 16 characters`),
 * since a hex argument may be a wire image holding a PAN, in EBCDIC `F4F1...` too. The one home of that rule.
 */
export function shownWord(word: string): string {
  return /^[A-Za-z][A-Za-z0-9._-]{0,31}$/.test(word) && (word.match(/\d/g) ?? []).length < 6 ? `"${word}"` : `a word of ${word.length} characters`;
}

/**
 * The first argument beyond `maxPositionals` said in an error: the word ({@link shownWord}), and the flag right before
 * it when there is one that took no value (a boolean: `--tls yes`, where `--tls` is given alone), which `flag` names
 * for the error's field.
 */
function strayWord(tokens: readonly ArgToken[], maxPositionals: number): { text: string; flag?: string } {
  let seen = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as ArgToken;
    if (token.kind !== 'positional' || seen++ < maxPositionals) continue;
    const shown = shownWord(String(token.value ?? ''));
    const before = tokens[i - 1];
    if (before?.kind !== 'option' || before.value !== undefined || before.rawName === undefined) return { text: `: ${shown}` };
    const flag = safeFlagName(before.rawName);
    return { text: `: ${shown} after ${flag}, which takes no value (a switch: give it alone for on, leave it out for off)`, flag };
  }
  return { text: '' };
}

/**
 * `--count -5` and `-n -5` written as `--count=-5`: `parseArgs` would take `-5` for a flag and report a missing value,
 * where the user gave a value out of range (the number check then names the flag and the range).
 */
function joinNegativeValues(argv: string[], flags: FlagSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const long = arg.startsWith('--') && !arg.includes('=')
      ? arg.slice(2)
      : /^-[A-Za-z]$/.test(arg) ? Object.keys(flags).find((k) => flags[k]?.short === arg.slice(1)) : undefined;
    if (long !== undefined && flags[long]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`--${long}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Turns a `parseArgs` failure into a usage error that names the flag but never repeats a value. */
function usageErrorFrom(err: unknown, argv: string[], flags: FlagSpecs): Iso8583Error {
  const code = (err as { code?: unknown }).code;
  const known = new Set(Object.keys(flags));
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = argv.find((a) => a.startsWith('-') && a !== '-' && !isKnownFlag(a, flags));
    const name = flag === undefined ? 'a flag' : safeFlagName(flag);
    return cliError('ISO8583_ERR_CLI_USAGE', `unknown flag ${name} (see --help)`, name);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // Either a string flag without a value, or a boolean flag given a value (`--tls=yes`).
    const at = argv.findIndex((a, i) => {
      const name = flagName(a, flags);
      if (name === undefined || !known.has(name)) return false;
      const spec = flags[name] as FlagSpec;
      if (spec.type === 'boolean') return a.includes('=');
      return !a.includes('=') && (i + 1 >= argv.length || (argv[i + 1] as string).startsWith('-'));
    });
    const name = at >= 0 ? `--${flagName(argv[at] as string, flags) as string}` : 'a flag';
    const spec = at >= 0 ? flags[flagName(argv[at] as string, flags) as string] : undefined;
    const what = spec?.type === 'boolean' ? 'takes no value' : 'needs a value';
    return cliError('ISO8583_ERR_CLI_USAGE', `${name} ${what} (see --help)`, name);
  }
  return cliError('ISO8583_ERR_CLI_USAGE', 'the command line cannot be read (see --help)');
}

/** The long name of a `--name` or `--name=value` argument, or the long name behind a known `-x` alias. */
function flagName(arg: string, flags: FlagSpecs): string | undefined {
  if (arg.startsWith('--')) return arg.slice(2).split('=')[0];
  const letter = /^-([A-Za-z])$/.exec(arg)?.[1];
  return letter === undefined ? undefined : Object.keys(flags).find((k) => flags[k]?.short === letter);
}

function isKnownFlag(arg: string, flags: FlagSpecs): boolean {
  if (arg === '--help' || arg === '-h') return true;
  if (arg === '--') return true;
  if (arg.startsWith('--')) return Object.hasOwn(flags, flagName(arg, flags) as string);
  const letters = arg.slice(1).split('=')[0] as string;
  return [...letters].every((l) => Object.values(flags).some((s) => s.short === l) || l === 'h');
}

/** A flag name fit for an error text: at most 40 characters of `[-A-Za-z0-9_]`, never a long run of digits. */
function safeFlagName(arg: string): string {
  const name = (arg.split('=')[0] as string).slice(0, 40);
  return /^-{1,2}[A-Za-z][-A-Za-z0-9_]*$/.test(name) ? name : 'a flag';
}

/** Reads a string flag (or `undefined` when absent). */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  if (Array.isArray(v)) return v.length === 0 ? undefined : String(v[v.length - 1]);
  return typeof v === 'string' ? v : undefined;
}

/** Reads a boolean flag (false when absent). */
export function booleanFlag(values: FlagValues, name: string): boolean {
  return values[name] === true;
}

/** Limits on a number flag. */
export interface IntegerLimits {
  /** The smallest value allowed. Default 0. */
  min?: number;
  /** The largest value allowed. Default `Number.MAX_SAFE_INTEGER`. */
  max?: number;
}

/**
 * The one form of an integer flag's value, digits (`2014`), as a number; `NaN` for any other text: `0x10`, `1e3`,
 * `0b11`, `0o17`, `' '` (which `Number` and a schema's type coercion read as 16, 1000, 3, 15 and 0: a port 0), `+5`, a
 * space around the digits. A minus is kept (`-1`), so that the flag's range refuses it by its bound (`must be >= 1`).
 */
export function integerText(text: string): number {
  return /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
}

/**
 * The one form of a number flag's value, digits with an optional decimal part (`1.5`, `.5`, `2.`; a minus as
 * {@link integerText}), as a number; `NaN` for any other text (`0x10`, `1e3`, `' '`, `+5`, a space around it).
 */
export function numberText(text: string): number {
  return /^-?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
}

/** Reads an integer flag; `ISO8583_ERR_CLI_OPTION` naming the flag when it is not an integer within the limits. */
export function integerFlag(values: FlagValues, name: string, limits: IntegerLimits = {}): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const min = limits.min ?? 0;
  const max = limits.max ?? Number.MAX_SAFE_INTEGER;
  const n = integerText(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw cliError('ISO8583_ERR_CLI_OPTION', `--${name} must be an integer ${rangeText(min, max)}`, `--${name}`);
  }
  return n;
}

/** Reads a number flag (decimals allowed); `ISO8583_ERR_CLI_OPTION` naming the flag when out of range. */
export function numberFlag(values: FlagValues, name: string, limits: IntegerLimits = {}): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const min = limits.min ?? 0;
  const max = limits.max ?? Number.MAX_SAFE_INTEGER;
  const n = numberText(text);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw cliError('ISO8583_ERR_CLI_OPTION', `--${name} must be a decimal number (digits, no exponent) ${rangeText(min, max)}`, `--${name}`);
  }
  return n;
}

/**
 * `from MIN to MAX`, or `of at least MIN` when there is no real upper limit: `Number.MAX_SAFE_INTEGER` is 16 digits
 * that pass the Luhn check, so the PAN masker of the error output would turn it into `900719******0991`.
 */
function rangeText(min: number, max: number): string {
  return max >= Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${boundText(min)} to ${boundText(max)}`;
}

/**
 * A bound as an error says it: by thousands from 12 digits on (`999,999,999,999`), which the masks of error text
 * leave as it is (12 digits in a row are masked as a possible PAN: `999*****9999`).
 */
function boundText(n: number): string {
  return n >= 100_000_000_000 ? n.toLocaleString('en-US') : String(n);
}

/** Reads a flag that must be one of `choices`; `ISO8583_ERR_CLI_OPTION` listing them otherwise. */
export function choiceFlag<T extends string>(values: FlagValues, name: string, choices: readonly T[]): T | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw cliError('ISO8583_ERR_CLI_OPTION', `--${name} must be one of ${choices.join(', ')}`, `--${name}`);
  }
  return text as T;
}

/** Reads a flag that the command cannot run without; `ISO8583_ERR_CLI_USAGE` naming it when absent. */
export function requiredFlag(values: FlagValues, name: string): string {
  const text = stringFlag(values, name);
  if (text === undefined || text === '') {
    throw cliError('ISO8583_ERR_CLI_USAGE', `--${name} is required (see --help)`, `--${name}`);
  }
  return text;
}
