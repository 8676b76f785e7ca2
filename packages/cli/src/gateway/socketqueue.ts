/**
 * A SocketQueue setup run by the gateway: SocketQueue's defaults where its own names are used, and where an option of
 * its has no flag here, the refusal that says what to use instead. SocketQueue (juks/iso-8583-socket-queue) speaks
 * SmartVista by default, puts 4 ASCII digits before every message to the bank (`getLengthHeader`), counting the message
 * and not the fixed header bytes of its `headerFormat` (bank side only), nothing before the messages of its socket clients, ends a client's connection after its answer (`dropClient`), opens HTTP only with
 * `--listenHttpPort`, waits 35 s for the bank (`queueTimeout`), holds a terminal's next message until its previous one
 * is answered (`queueLockTerminal`, on unless turned off) and sends no echo test of its own.
 */
import { cliError, shownWord } from '../args.js';
import type { GatewayConfig } from './config.js';
import { GATEWAY_FLAGS } from './flag-rows.js';

/**
 * The gateway's defaults when SocketQueue's names are used (`--listenPort`, `--upstreamHost`, a config file key such as
 * `listenPort`, or `--socketqueue`): what SocketQueue does without being told. A flag or config key given still wins;
 * HTTP (`httpEnabled`) is off unless `--http`/`--listenHttpPort` (or its key) is given.
 */
export const SOCKETQUEUE_DEFAULTS: Readonly<Partial<GatewayConfig>> = Object.freeze({
  dialect: 'smartvista',
  frame: 'ascii4',
  // Its headerFormat (`length:n:4,tpdu:b-hex:5:...`): the length counts the message, not the fixed header after it.
  lengthExcludesHeaderBytes: true,
  clientFrame: 'none',
  // Its fixed header is for the bank only (parameters.js: "upstream communication"): POS clients send bare messages.
  clientHeaderBytes: 0,
  clientCloseAfterReply: true,
  httpEnabled: false,
  echoInterval: 0,
  requestTimeout: 35_000,
  socketqueueAnswers: true,
  terminalQueue: true,
});

/**
 * SocketQueue's parameter names that are aliases of flags here (and config file keys): using one of them, or `--c`,
 * means {@link SOCKETQUEUE_DEFAULTS}.
 */
export const SOCKETQUEUE_NAMES: ReadonlySet<string> = new Set([
  'upstreamHost', 'upstreamPort', 'listenPort', 'listenHttpPort', 'statServerPort', 'logFile', 'noAutoReversal', 'queueLockTerminal', 'vv',
  'queueMessageKeyFields',
]);

/** SocketQueue's boolean parameters that are boolean flags here (`noAutoReversal`, `queueLockTerminal`, `vv`). */
const SOCKETQUEUE_BOOLEANS: ReadonlySet<string> = new Set(
  GATEWAY_FLAGS.flatMap((f) => (f.kind === 'boolean' ? (f.aliases ?? []).filter((a) => SOCKETQUEUE_NAMES.has(a)) : [])),
);

/**
 * SocketQueue's boolean names written with a value, as its cfgParams reads them: `--noAutoReversal=true`, and the
 * value as the next word (`--noAutoReversal true`, `--queueLockTerminal false`, which SocketQueue's optimist parser
 * read as booleans). `argv` with `--name=true` (`--name true`) as `--name` and `--name=false` (`--name false`) left
 * out, and the names given `false` (`off`, for the caller to set once the line is parsed). Any other value, `=` or
 * next word (`--noAutoReversal yes`), is refused naming the flag and the word as `shownWord` says it
 * (`ISO8583_ERR_CLI_OPTION`: must be true or false), never read as false.
 */
export function socketQueueBooleanValues(argv: readonly string[]): { argv: string[]; off: string[] } {
  const out: string[] = [];
  const off: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const m = /^--([A-Za-z]+)(?:=(.*))?$/s.exec(arg);
    if (m === null || !SOCKETQUEUE_BOOLEANS.has(m[1] as string)) {
      out.push(arg);
      continue;
    }
    const name = m[1] as string;
    let value = m[2];
    if (value === undefined) {
      const next = argv[i + 1];
      // The next flag (or none): given alone, for true. Any other word is its value, as SocketQueue's parser read it.
      if (next === undefined || next.startsWith('-')) {
        out.push(arg);
        continue;
      }
      value = next;
      i++;
    }
    if (value === 'true') out.push(`--${name}`);
    else if (value === 'false') off.push(name);
    else throw cliError('ISO8583_ERR_CLI_OPTION', `--${name} must be true or false (or given alone for true), not ${shownWord(value)}`, `--${name}`);
  }
  return { argv: out, off };
}

/** A SocketQueue parameter with no flag of that name here: what to use instead (its value, when known, converted). */
type Pointer = (value: string | undefined) => string;

/** Seconds (SocketQueue's unit) as milliseconds (ours), when `value` is a whole number. */
function ms(value: string | undefined): string {
  return value !== undefined && /^\d+$/.test(value) ? String(Number(value) * 1000) : 'MS';
}

/** SocketQueue's `useLengthHeader` (`useHeader` in its config.json.dist): 4 ASCII digits of length before each message. */
const lengthHeader: Pointer = (v) => (v === 'false' ? 'use --frame none' : 'use --frame ascii4 (the default with SocketQueue\'s names)');

/** SocketQueue's parameters (parameters.js) that are not flags here, each with its pointer to what replaces it. */
const POINTERS: Readonly<Record<string, Pointer>> = {
  queueTimeout: (v) => `its seconds are --request-timeout ${ms(v)} here (milliseconds)`,
  clientTimeout: (v) => `its seconds are --idle-timeout ${ms(v)} here (milliseconds)`,
  upstreamTimeout: () => 'no equivalent: --echo-interval MS finds a silent bank link and reconnects',
  queueShortTimeout: () => 'no equivalent: network management messages wait --request-timeout MS',
  maxQueue: () => 'no equivalent: --max-connections N bounds the POS clients',
  statDumpFile: () => 'no equivalent: GET /stats starts at zero on each start; the transaction log (GET /transactions) keeps every request',
  pidFile: () => 'no equivalent: run the gateway under a service manager (docs/gateway.md, Running as a service), which knows its pid',
  // Its help says "warn", its code sets winston's "info": logging on, the gateway's default.
  v: () => 'leave it out: the gateway logs at info by default, as SocketQueue\'s --v did (--log-level LEVEL for another)',
  silent: () => 'use --log-file FILE (the log leaves the console) or --log-level silent',
  dangerous: () => 'refused on purpose: card data is always masked',
  logstashHost: () => 'no equivalent: ship the JSON lines of --log-file',
  logstashPort: () => 'no equivalent: ship the JSON lines of --log-file',
  logstashNode: () => 'no equivalent: ship the JSON lines of --log-file',
  echoServerPort: () => 'run a test host with iso8583 simulate-host --dialect smartvista --any-card',
  testClients: () => 'send test traffic with iso8583 load',
  testTargetHost: () => 'send test traffic with iso8583 load',
  testTargetPort: () => 'send test traffic with iso8583 load',
  testRealLife: () => 'send test traffic with iso8583 load',
  useLengthHeader: lengthHeader,
  // config.json.dist's name of useLengthHeader.
  useHeader: lengthHeader,
  smartVista: () => 'use --dialect smartvista (the default with SocketQueue\'s names)',
  openWay: () => 'use --dialect FILE (a JSON dialect or jPOS packager of the host)',
  hostConfig: (v) => (v === undefined || v.toLowerCase() === 'smartvista'
    ? 'use --dialect smartvista (the default with SocketQueue\'s names)'
    : 'use --dialect FILE (a JSON dialect or jPOS packager of the host)'),
  overrides: () => 'use --dialect FILE: a JSON dialect that extends smartvista and redefines those fields',
  headerFormat: () => 'use --frame (its length:n:4 is --frame ascii4, the default with SocketQueue\'s names) and --header-hex HEX for fixed header bytes after it '
    + '(the length counts the message only with SocketQueue\'s names, as its headerFormat does; --length-excludes-header-bytes with ours)',
  lengthIncludeHeader: (v) => (v === 'false'
    ? 'leave it out: the length does not count itself, the gateway\'s default'
    : 'use --length-includes-header (the length then counts itself and the fixed header bytes, as SocketQueue\'s did)'),
  upstreamListenPort: () => 'no equivalent: the gateway connects to the bank (--upstream HOST:PORT)',
  helpJson: () => 'use --help',
};

/**
 * SocketQueue's config file keys at the value its `config.json.dist` ships them with: the value that turns them off
 * (`"v": false`, `"pidFile": ""`) or SocketQueue's own default (`"maxQueue": 100`, `"queueTimeout": 35`,
 * `"queueShortTimeout": 5`, `"logstashNode": "SocketQueue"`, `"useHeader": true`: the ASCII length the gateway puts
 * before each message with SocketQueue's names; `"useHeader": false` is refused, pointing to `--frame none`). A file holding one so says nothing its author chose, and
 * is read as if it did not (no effect, no refusal): a config.json.dist filled in keeps working. At any other value the
 * key is refused with its pointer (`"dangerous": true`: card data is always masked; `"queueTimeout": 60`: its seconds
 * are --request-timeout 60000 here; `"pidFile": "x.pid"`: a service manager knows the pid).
 */
const SHIPPED_VALUES: Readonly<Record<string, boolean | string | number>> = {
  // `"useHeader": true`: 4 ASCII digits of length before each message, the gateway's `--frame ascii4` with SocketQueue's names.
  useHeader: true,
  // What its `--helpJson` prints as defaults, each what the gateway does with SocketQueue's names: SmartVista, 4 ASCII
  // digits of length counting the message (`--frame ascii4`, `--length-excludes-header-bytes`), not themselves.
  hostConfig: 'smartVista', headerFormat: 'length:n:4', lengthIncludeHeader: false,
  v: false, silent: false, dangerous: false, help: false, helpJson: false, openWay: false,
  c: '', logFile: '', pidFile: '', logstashHost: '', statDumpFile: '', testTargetHost: '',
  maxQueue: 100, queueTimeout: 35, queueShortTimeout: 5, logstashNode: 'SocketQueue',
};

/**
 * SocketQueue's keys that, at their shipped value, say a config file is SocketQueue's (its `--helpJson` defaults
 * `hostConfig`, `headerFormat`, its `config.json.dist`'s `"useHeader": true`): the others' off values (`"v": false`,
 * `"queueTimeout": 35`, `"lengthIncludeHeader": false`) change nothing.
 */
const SWITCHING_KEYS: readonly string[] = ['hostConfig', 'headerFormat', 'useHeader'];

/**
 * The keys of {@link SWITCHING_KEYS} a config file's object holds at their shipped value: dropped ({@link
 * withoutShippedKeys}), they still turn SocketQueue's behaviour on (smartvista, ascii4...), unless `"socketqueue": false`.
 */
export function shippedKeysOf(data: unknown): string[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [];
  return SWITCHING_KEYS.filter((key) => Object.hasOwn(data, key) && SHIPPED_VALUES[key] === (data as Record<string, unknown>)[key]);
}

/**
 * `ISO8583_WARN_SOCKETQUEUE_FROM_FILE`: the config file's `keys` ({@link shippedKeysOf}) alone turned SocketQueue's
 * behaviour on, with all of its defaults; `"socketqueue": false` keeps the gateway's own.
 */
export function socketQueueFromFileWarning(path: string, keys: readonly string[]): string {
  return `ISO8583_WARN_SOCKETQUEUE_FROM_FILE: ${path}: ${keys.map((k) => `"${k}"`).join(', ')} turned SocketQueue's behaviour on ` +
    '(smartvista, --frame ascii4, no client frame, HTTP off unless given, 35 s for the bank, one request per terminal, no echo test): ' +
    'give "socketqueue": false in the file to keep the gateway\'s own defaults';
}

/** SocketQueue's names that only say how to log: `vv` (`--log-messages`) and `logFile` (`--log-file`). */
const SOCKETQUEUE_LOGGING_NAMES: ReadonlySet<string> = new Set(['vv', 'logFile']);

/**
 * `ISO8583_WARN_SOCKETQUEUE_FROM_LOGGING` when every SocketQueue name that turned SocketQueue's behaviour on
 * (`flags`: the flags given under its names, `vv`; `keys`: the config file's keys of its names) only says how to
 * log: `--vv` to see the messages also switched the framing, the dialect and closing after each reply, which a user
 * would not guess. Undefined when none was given or one says more (`--listenPort`...).
 */
export function socketQueueFromLoggingWarning(flags: readonly string[], keys: readonly string[]): string | undefined {
  const names = [...flags.map((f) => `--${f}`), ...keys.map((k) => `"${k}"`)];
  if (names.length === 0 || ![...flags, ...keys].every((n) => SOCKETQUEUE_LOGGING_NAMES.has(n))) return undefined;
  // The advice in the words of where the names were given: a flag's, a config file key's ("vv"), or both.
  const instead = [...(flags.length > 0 ? ['--log-messages (--log-file)'] : []), ...(keys.length > 0 ? ['"logMessages": true in the file'] : [])];
  return `ISO8583_WARN_SOCKETQUEUE_FROM_LOGGING: ${names.join(', ')}, SocketQueue's name${names.length > 1 ? 's' : ''} for logging, ` +
    'turned SocketQueue\'s behaviour on (smartvista, --frame ascii4, no client frame, each client closed after its reply, HTTP off ' +
    `unless given, 35 s for the bank, one request per terminal, no echo test): give ${instead.join(', or ')} instead to keep ` +
    'the gateway\'s own defaults';
}

/** A config file's object without SocketQueue's keys at their shipped value ({@link SHIPPED_VALUES}); anything else as given. */
export function withoutShippedKeys(data: unknown): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const entries = Object.entries(data).filter(([key, value]) => !(Object.hasOwn(SHIPPED_VALUES, key) && SHIPPED_VALUES[key] === value));
  return Object.fromEntries(entries);
}

/**
 * A config file's object with SocketQueue's `queueMessageKeyFields` (or `matchKey`) given as a list (`["11", "41"]`,
 * `[11, 41]`) as the text of the flag (`"11,41"`). Anything else as given, to be checked by the schema.
 */
export function withKeyFieldsAsText(data: unknown): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const entries = Object.entries(data).map(([key, value]) =>
    ((key === 'queueMessageKeyFields' || key === 'matchKey') && Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')
      ? [key, value.map(String).join(',')] : [key, value]));
  return Object.fromEntries(entries);
}

/** SocketQueue's numeric parameters that are integer flags here (its ports: `upstreamPort`, `listenPort`, ...). */
const SOCKETQUEUE_INTEGERS: ReadonlySet<string> = new Set(
  GATEWAY_FLAGS.flatMap((f) => (f.kind === 'integer' ? (f.aliases ?? []).filter((a) => SOCKETQUEUE_NAMES.has(a)) : [])),
);

/**
 * A config file's object with SocketQueue's ports written as text of digits (`"listenPort": "2014"`, as a file filled
 * from the environment has them) as numbers: SocketQueue read its numeric parameters with `parseInt`, so such a file
 * worked there. Any other text (`"2014abc"`, `" 2014"`) is left as given, to be refused naming the key.
 */
export function withPortsAsNumbers(data: unknown): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const entries = Object.entries(data).map(([key, value]) =>
    (SOCKETQUEUE_INTEGERS.has(key) && typeof value === 'string' && /^\d{1,5}$/.test(value) ? [key, Number(value)] : [key, value]));
  return Object.fromEntries(entries);
}

/** SocketQueue's port names whose 0 opens nothing there (its `if (port)`), by our key: `listenHttpPort`, `statServerPort`. */
const OFF_AT_ZERO = [['http', 'listenHttpPort'], ['statsPort', 'statServerPort']] as const;

/**
 * SocketQueue's `listenHttpPort` and `statServerPort` at 0 (a flag or config file key under its name): the port is
 * not opened, as in SocketQueue, which starts neither server for a port that is 0: `config` gets HTTP off, no stats
 * port. Under our names (`--http 0`, `--stats-port 0`) 0 stays a port the system picks. An HTTP port opened where its
 * author meant none would serve `/transactions` and the console. `namedSo(key, name)`: whether the value in force of
 * `key` was given under SocketQueue's `name` (a flag wins over the file).
 */
export function zeroPortsOff(config: Partial<GatewayConfig>, namedSo: (key: 'http' | 'statsPort', name: string) => boolean): void {
  for (const [key, name] of OFF_AT_ZERO) {
    if (config[key] !== 0 || !namedSo(key, name)) continue;
    if (key === 'http') config.httpEnabled = false;
    else delete config.statsPort;
  }
}

/** What to use instead of SocketQueue's parameter `name` (given `value`), or `undefined` when it is not one of them. */
export function socketQueuePointer(name: string, value?: unknown): string | undefined {
  const pointer = Object.hasOwn(POINTERS, name) ? POINTERS[name] : undefined;
  return pointer?.(value === undefined || value === null ? undefined : String(value));
}

/** The value of `--name=VALUE` or `--name VALUE` in `argv`, when given so. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
    if (arg === `--${name}`) {
      const next = argv[i + 1];
      return next !== undefined && !next.startsWith('-') ? next : undefined;
    }
  }
  return undefined;
}

/** What a start with SocketQueue's defaults logs: that they apply, and where it listens unlike SocketQueue. */
export function socketQueueNotice(config: GatewayConfig, logger: { info(o: object, m: string): void; warn(o: object, m: string): void }): void {
  if (!config.socketqueue) return;
  logger.info(
    {
      dialect: config.dialect, frame: config.frame, clientFrame: config.clientFrame, closeAfterReply: config.clientCloseAfterReply,
      http: config.httpEnabled, echoInterval: config.echoInterval, terminalQueue: config.terminalQueue,
    },
    'SocketQueue names in use: SocketQueue\'s defaults apply where no flag says otherwise',
  );
  if (config.bind === '127.0.0.1' || config.bind === '::1' || config.bind === 'localhost') {
    logger.warn({ code: 'ISO8583_WARN_SOCKETQUEUE_BIND', bind: config.bind }, 'POS clients are taken on this address only (SocketQueue listened on every interface): --bind 0.0.0.0 for remote terminals');
  }
}
