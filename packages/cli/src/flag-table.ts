/**
 * One flag table for every `iso8583` command: each row says a flag's kind, its limits or choices, its default and its
 * help, and everything else is made from the rows: the `parseArgs` options ({@link flagSpecs}), the help lines
 * ({@link flagHelp}), the checked and defaulted values ({@link readFlagTable}) and, for the gateway's config file,
 * the JSON Schema of each value ({@link flagSchema}).
 */
import type { FlagSpecs, FlagValues } from './args.js';
import { booleanFlag, choiceFlag, cliError, integerFlag, numberFlag, stringFlag } from './args.js';

/** What a flag's value is. */
export type FlagKind = 'string' | 'boolean' | 'integer' | 'number' | 'choice';

/** One flag of a command. */
export interface FlagRow {
  /** The long name without its dashes (`port`). */
  flag: string;
  /** A one-letter alias (`p` for `-p`). Default: none. */
  short?: string;
  /**
   * Other long names of the same flag (SocketQueue's camelCase names, `listenPort` for `listen`), so that a supervisor
   * config written for SocketQueue keeps working; the gateway also takes them as config file keys. Default: none.
   */
  aliases?: readonly string[];
  /** The kind of value. */
  kind: FlagKind;
  /** The placeholder in the help (`PORT`, `FILE`). Default: `N` for numbers, `VALUE` for strings. */
  arg?: string;
  /** The help text (without the default, which is appended from `default` or `defaultText`). */
  help: string;
  /** The value when the flag is absent. Default: none (the flag is then `undefined`). */
  default?: string | number | boolean;
  /** How the help shows the default when it is not a plain value (`the upstream dialect`). */
  defaultText?: string;
  /** The smallest value of an `integer` or `number`. Default 0. */
  min?: number;
  /** The largest value of an `integer` or `number`. Default `Number.MAX_SAFE_INTEGER`. */
  max?: number;
  /** The values a `choice` accepts. */
  choices?: readonly string[];
  /** A regular expression a `string` must match (the JSON Schema `pattern`). Default: none. */
  pattern?: string;
}

/** The `parseArgs` options of some rows (aliases included). */
export function flagSpecs(rows: readonly FlagRow[]): FlagSpecs {
  const specs: FlagSpecs = {};
  for (const row of rows) {
    const type = row.kind === 'boolean' ? 'boolean' : 'string';
    specs[row.flag] = row.short === undefined ? { type } : { type, short: row.short };
    for (const alias of row.aliases ?? []) specs[alias] = { type };
  }
  return specs;
}

/**
 * Moves the values given under an alias to the row's own name (in place). A flag given under two of its names is
 * refused (`ISO8583_ERR_CLI_OPTION` naming both): one of them would otherwise be silently ignored.
 */
export function resolveAliases(rows: readonly FlagRow[], values: FlagValues): void {
  for (const row of rows) {
    for (const alias of row.aliases ?? []) {
      if (values[alias] === undefined) continue;
      if (values[row.flag] !== undefined) {
        throw cliError('ISO8583_ERR_CLI_OPTION', `--${row.flag} and --${alias} are the same flag: give one`, `--${alias}`);
      }
      values[row.flag] = values[alias];
      delete values[alias];
    }
  }
}

/** The left column of a row's help line: `-p, --port PORT` or `    --lenient` (aliases after the name). */
function left(row: FlagRow): string {
  const names = [row.flag, ...(row.aliases ?? [])].map((n) => `--${n}`).join(', ');
  const name = `${row.short === undefined ? '    ' : `-${row.short}, `}${names}`;
  if (row.kind === 'boolean') return name;
  const arg = row.arg ?? (row.kind === 'choice' ? (row.choices ?? []).join('|') : row.kind === 'string' ? 'VALUE' : 'N');
  return `${name} ${arg}`;
}

/** The help lines of some rows: the flag, its help and its default, aligned (flags too long get a line of their own). */
export function flagHelp(rows: readonly FlagRow[], width = 24): string {
  return rows
    .map((row) => {
      const shown = row.defaultText ?? (row.default === undefined || row.default === false ? undefined : String(row.default));
      const text = shown === undefined ? row.help : `${row.help}. Default: ${shown}`;
      const flag = left(row);
      const indent = ' '.repeat(width + 4);
      const lines = wrap(text, HELP_COLUMNS - indent.length);
      const body = lines.join(`\n${indent}`);
      return flag.length < width ? `  ${flag.padEnd(width)}  ${body}` : `  ${flag}\n${indent}${body}`;
    })
    .join('\n');
}

/** The width of the help text. */
const HELP_COLUMNS = 116;

/** Cuts `text` into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

/**
 * Checks a `string` row's value as its JSON Schema ({@link flagSchema}) does a config file's: it matches the row's
 * `pattern`, or, without one, is not empty (`--host=`, `--transactions ""`: an empty value was taken before, and failed
 * later with an error that did not name the flag, or not at all). `ISO8583_ERR_CLI_OPTION` naming the flag, never the
 * value (a flag may hold a token).
 */
function checkString(row: FlagRow, value: string): void {
  if (row.pattern === undefined) {
    if (value === '') throw cliError('ISO8583_ERR_CLI_OPTION', `--${row.flag} must not be empty`, `--${row.flag}`);
    return;
  }
  if (!new RegExp(row.pattern, 'u').test(value)) {
    throw cliError('ISO8583_ERR_CLI_OPTION', `--${row.flag} must be ${row.arg ?? 'VALUE'} in the form its help gives`, `--${row.flag}`);
  }
}

/**
 * The values of `rows` read from a parsed command line: checked (a coded error naming the flag: a number in its
 * limits, one of a choice's values, a string matching its `pattern`, or not empty) and defaulted.
 */
export function readFlagTable(rows: readonly FlagRow[], values: FlagValues): Record<string, string | number | boolean | undefined> {
  resolveAliases(rows, values);
  const out: Record<string, string | number | boolean | undefined> = {};
  for (const row of rows) {
    const limits = { min: row.min ?? 0, max: row.max ?? Number.MAX_SAFE_INTEGER };
    let value: string | number | boolean | undefined;
    switch (row.kind) {
      case 'boolean':
        value = values[row.flag] === undefined ? row.default : booleanFlag(values, row.flag);
        break;
      case 'integer':
        value = integerFlag(values, row.flag, limits);
        break;
      case 'number':
        value = numberFlag(values, row.flag, limits);
        break;
      case 'choice':
        value = choiceFlag(values, row.flag, row.choices ?? []);
        break;
      case 'string':
        value = stringFlag(values, row.flag);
        if (value !== undefined) checkString(row, value);
        break;
    }
    out[row.flag] = value ?? row.default;
  }
  return out;
}

/**
 * The JSON Schema of a row's value (the gateway's config file keys are checked against it): a number within the
 * limits the flag has on the command line (`max` default `Number.MAX_SAFE_INTEGER`, as {@link readFlagTable}).
 */
export function flagSchema(row: FlagRow): Record<string, unknown> {
  switch (row.kind) {
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: 'integer', minimum: row.min ?? 0, maximum: row.max ?? Number.MAX_SAFE_INTEGER };
    case 'number':
      return { type: 'number', minimum: row.min ?? 0, maximum: row.max ?? Number.MAX_SAFE_INTEGER };
    case 'choice':
      return { type: 'string', enum: [...(row.choices ?? [])] };
    case 'string':
      return row.pattern === undefined ? { type: 'string', minLength: 1 } : { type: 'string', pattern: row.pattern };
  }
}

/** The config key of each {@link CONSOLE_ROWS} row (the gateway's config file takes them as keys). */
export type ConsoleFlagKey = 'noConsole' | 'consoleSend' | 'httpToken' | 'httpTokenFile' | 'consoleSessionLifetime' | 'consoleSecureCookie' | 'httpTrustedProxy';

/**
 * The operator console and who may use the HTTP port, for `iso8583 gateway` (flags and config file keys) and
 * `iso8583 run`: the console at `/console` (on unless `--no-console`), its workbench's sending (off unless
 * `--console-send`), the token every HTTP route then asks for (none unless `--http-token`/`--http-token-file`), and
 * the console's sessions signed in with it (8 hours, `Secure` over TLS or with `--console-secure-cookie`).
 */
export const CONSOLE_ROWS: readonly (FlagRow & { key: ConsoleFlagKey })[] = [
  { key: 'noConsole', flag: 'no-console', kind: 'boolean', default: false, help: 'no operator console at /console on the HTTP port' },
  { key: 'consoleSend', flag: 'console-send', kind: 'boolean', default: false, help: 'the console may send composed messages upstream (else 403)' },
  { key: 'httpToken', flag: 'http-token', kind: 'string', arg: 'TOKEN', defaultText: 'none asked', help: 'every HTTP route (API, /stats, /metrics, /console) asks for TOKEN: Authorization: Bearer, or the console\'s sign-in' },
  { key: 'httpTokenFile', flag: 'http-token-file', kind: 'string', arg: 'FILE', help: '--http-token read from the first line of FILE (kept out of the process list)' },
  { key: 'consoleSessionLifetime', flag: 'console-session-lifetime', kind: 'integer', arg: 'MINUTES', min: 1, max: 43_200, default: 480, help: 'minutes a console sign-in lasts (then the page asks for the token again)' },
  { key: 'consoleSecureCookie', flag: 'console-secure-cookie', kind: 'boolean', default: false, help: 'mark the console\'s session cookie Secure: browsers reach the HTTP port through a TLS-terminating proxy (X-Forwarded-Proto is not trusted for it)' },
  { key: 'httpTrustedProxy', flag: 'http-trusted-proxy', kind: 'string', arg: 'LIST', defaultText: 'none (X-Forwarded-For never read)', help: 'the TLS proxies in front of the HTTP port (comma-separated addresses or ADDRESS/PREFIX): a wrong token from one counts against the client its X-Forwarded-For names, not every client of the proxy' },
];
