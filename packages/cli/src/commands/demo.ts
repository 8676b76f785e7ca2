/**
 * `iso8583 demo` (what `npm start` runs): the host simulator as an embedded bank, the gateway in front of it, and a
 * few sample transactions sent by a POS client through the gateway (purchase, declined purchase, reversal, echo),
 * each printed with `describe` (card data masked). Then it keeps serving and prints the curl command to try; with
 * `--once` it exits after the samples. Needs nothing outside the repository. SIGINT, SIGTERM and SIGHUP (the terminal
 * closed) stop it and remove its journal folder; one while it starts or sends its samples ends it as interrupted
 * (exit 130, 143 or 129, `demo interrupted`), never as done.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFlagFile } from '../read-file.js';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCodec, describe } from '@iso8583/codec';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { MAX_REQUEST_TIMEOUT } from '@iso8583/connector/timeouts';
import type { Connector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { cliError, parseCommandArgs } from '../args.js';
import { flagHelp, flagSpecs, readFlagTable } from '../flag-table.js';
import type { FlagRow } from '../flag-table.js';
import { GATEWAY_DEFAULTS } from '../gateway/config.js';
import type { GatewayConfig } from '../gateway/config.js';
import { startGateway } from '../gateway/gateway.js';
import type { Gateway } from '../gateway/gateway.js';
import { createLogger, levelFor } from '../logger.js';
import { logRows } from '../flags.js';
import { safLeft } from '../drain.js';
import { handleSignals, hostPort, INTERRUPTED_EXIT } from '../signals.js';
import { readyLine } from './gateway.js';
import { sequenceTimeoutFor } from './simulate-host.js';
import { errorCode, safeText, writeResult, writeStartLine, writeText } from '../io.js';

/**
 * The demo gateway's wait for the bank's answer (`--request-timeout`, ms; 5000 by default): past it the POS is answered
 * 68 and the request reversed. The stop waits as long for the last answers (the gateway's `shutdownDeadline`).
 */
const DEMO_GATEWAY_TIMEOUT = 5_000;
/**
 * How much longer than the gateway the demo POS waits for its answer (ms): so that with a slow bank (`--bank-delay`)
 * the POS gets the gateway's 68 rather than giving up first (8000 ms with the default `--request-timeout`).
 */
const DEMO_POS_MARGIN = 3_000;

/** The command's flags. */
const ROWS: readonly FlagRow[] = [
  { flag: 'once', kind: 'boolean', help: 'exit after the sample transactions' },
  { flag: 'listen', kind: 'integer', arg: 'PORT', max: 65535, default: 0, defaultText: 'any free port', help: "the gateway's POS port" },
  { flag: 'http', kind: 'integer', arg: 'PORT', max: 65535, defaultText: '8080, or any free port when 8080 is taken (with --once: any free port)', help: "the gateway's HTTP port" },
  {
    flag: 'transactions', kind: 'string', arg: 'FILE', defaultText: 'examples/demo/transactions.json of the repository, or the same four built in',
    help: 'the samples: a JSON list of { "title", "message" }',
  },
  {
    flag: 'bank-delay', kind: 'integer', arg: 'MS', min: 0, max: MAX_REQUEST_TIMEOUT, default: 0,
    help: `the simulated bank waits this long before each answer (as simulate-host --delay): over --request-timeout, watch the gateway's timeout answer the POS 68 (the POS waits ${DEMO_POS_MARGIN} ms longer) and reverse the request`,
  },
  {
    flag: 'request-timeout', kind: 'integer', arg: 'MS', min: 1, max: MAX_REQUEST_TIMEOUT - DEMO_POS_MARGIN, default: DEMO_GATEWAY_TIMEOUT,
    help: "the gateway's wait for the bank's answer (past it: 68 to the POS, and a reversal); its stop waits as long for the last answers",
  },
  ...logRows('warn'),
];

/** The help text of `iso8583 demo`. */
export const DEMO_HELP = `Usage: iso8583 demo [--once] [--listen PORT] [--http PORT] [--transactions FILE] [--bank-delay MS] [--request-timeout MS]

Starts a simulated bank, the gateway in front of it, sends sample transactions through the gateway as a POS
terminal would, prints each request and answer (card data masked), then keeps serving until Ctrl-C (or SIGTERM, or
the terminal closed: SIGHUP). A stop while it starts or sends the samples exits 130 (SIGINT), 143 (SIGTERM) or 129
(SIGHUP), as the shell does for a command a signal ended.

${flagHelp(ROWS)}
`;

/** One sample transaction of the demo. */
export interface DemoTransaction {
  /** What it is, printed above it. */
  title: string;
  /** The request; `${transmissionTime}` (MMDDhhmmss), `${localTime}` (hhmmss) and `${localDate}` (MMDD) are filled in. */
  message: MessageInput;
}

/** The samples file of the repository: `examples/demo/transactions.json`, found above this module. */
function repositorySamples(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'examples', 'demo', 'transactions.json');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** The built-in samples, used when no samples file is found (test card numbers only). */
const BUILT_IN: DemoTransaction[] = [
  {
    title: 'Purchase of 25.00 USD (approved)',
    message: { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '2500', '7': '${transmissionTime}', '11': '1', '14': '3012', '41': 'DEMO0001', '49': '840' },
  },
  {
    title: 'Purchase of 999,999.99 USD (declined: insufficient funds)',
    message: { '0': '0200', '2': '5500000000000004', '3': '000000', '4': '99999999', '7': '${transmissionTime}', '11': '2', '14': '3012', '41': 'DEMO0001', '49': '840' },
  },
  {
    title: 'Reversal of the 25.00 purchase (0400 with original data elements, field 90)',
    message: { '0': '0400', '2': '4111111111111111', '3': '000000', '4': '2500', '7': '${transmissionTime}', '11': '3', '41': 'DEMO0001', '49': '840', '90': '0200000001${transmissionTime}0000000000000000000000' },
  },
  { title: 'Echo test (0800, network management code 301)', message: { '0': '0800', '7': '${transmissionTime}', '11': '4', '70': '301' } },
];

/**
 * The sample transactions: from `file`, else from `examples/demo/transactions.json` of the repository, else built in.
 * A file that is not a list of `{ title, message }` is refused with `ISO8583_ERR_CLI_FILE`.
 */
export function demoTransactions(file?: string): DemoTransaction[] {
  const path = file ?? repositorySamples();
  let list: unknown = BUILT_IN;
  if (path !== undefined) {
    const text = readFlagFile(path, '--transactions');
    try {
      list = JSON.parse(text);
    } catch {
      // The parser's message quotes the file: only its verdict is told.
      throw cliError('ISO8583_ERR_CLI_FILE', `--transactions: ${path} is not JSON`, '--transactions');
    }
  }
  const valid =
    Array.isArray(list) &&
    list.every((t) => t !== null && typeof t === 'object' && typeof t.title === 'string' && t.message !== null && typeof t.message === 'object');
  if (!valid) throw cliError('ISO8583_ERR_CLI_FILE', `--transactions: ${String(path)} is not a list of { "title", "message" }`, '--transactions');
  const now = new Date();
  const p = (n: number): string => String(n).padStart(2, '0');
  const time = p(now.getUTCHours()) + p(now.getUTCMinutes()) + p(now.getUTCSeconds());
  const date = p(now.getUTCMonth() + 1) + p(now.getUTCDate());
  const fill = (v: unknown): unknown =>
    typeof v === 'string'
      ? v.replaceAll('${transmissionTime}', date + time).replaceAll('${localTime}', time).replaceAll('${localDate}', date)
      : v;
  return (list as DemoTransaction[]).map((t) => ({
    title: t.title,
    message: Object.fromEntries(Object.entries(t.message).map(([k, v]) => [k, fill(v)])) as MessageInput,
  }));
}

function indent(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}

/** Runs `iso8583 demo`. */
export async function demoCommand(argv: string[]): Promise<number> {
  const { values, help } = parseCommandArgs(argv, flagSpecs(ROWS));
  // A reader gone (`| head -1`) ends the help quietly with 0, a full disk is the error line.
  if (help) return writeResult(process.stdout, DEMO_HELP, 0);
  const own = readFlagTable(ROWS, values);
  const once = own.once === true;
  const samples = demoTransactions(own.transactions as string | undefined);
  const listen = own.listen as number;
  const httpFlag = own.http as number | undefined;
  // 8080 by default, so the printed curl command stays the same from run to run; any free port when it is taken
  // (found by listening, not by a probe first: two demos started at once both saw a probe's 8080 free).
  const httpPort = httpFlag ?? (once ? 0 : DEFAULT_HTTP);
  const logMessages = own['log-messages'] === true;
  const requestTimeout = own['request-timeout'] as number;
  const log = createLogger({ level: levelFor(own['log-level'] as string, logMessages) });
  const journal = mkdtempSync(join(tmpdir(), 'iso8583-demo-'));

  // The bank keeps the gateway's idle link open (a terminal-facing listener would close a silent one).
  const delay = own['bank-delay'] as number;
  const bank = createInboundEndpoint({ name: 'bank', port: 0, sequence: createHostSimulator({ delay }), sequenceTimeout: sequenceTimeoutFor(delay), firstMessageTimeout: 0 });
  let gateway: Gateway | undefined;
  let pos: Connector | undefined;
  // From here on, whatever ends the demo (the samples done with --once, Ctrl-C at any moment, a failure) closes what
  // was started and removes the journal folder: its reversals hold the samples' card numbers.
  let stopping: Promise<void> | undefined;
  let started: Promise<unknown> = Promise.resolve();
  // The bank's deadline: 1 s for the last answers of a demo that ran; 0 when the start failed (nothing in flight).
  const stop = (bankDeadline = 1_000): Promise<void> =>
    (stopping ??= (async () => {
      try {
        // A stop during the start waits for it: what it opens is then closed too.
        await started.catch(() => undefined);
        // Each part in turn, every one even when one before failed (the bank still answers the gateway's last
        // requests); the first failure is the stop's, once all have closed.
        let failure: { err: unknown } | undefined;
        const part = (close: () => Promise<void> | undefined): Promise<void> =>
          Promise.resolve().then(close).catch((err: unknown) => {
            failure ??= { err };
          });
        await part(() => pos?.destroy());
        await part(() => gateway?.close());
        await part(() => bank.close({ deadline: bankDeadline }));
        if (failure !== undefined) throw failure.err;
      } finally {
        rmSync(journal, { recursive: true, force: true });
      }
      await droppedLine(gateway);
    })());
  const abort = (): void => {
    rmSync(journal, { recursive: true, force: true });
    process.exit(1);
  };
  // The stop signal that came, if any. SIGHUP stops too (no `hup`): a closed terminal must not leave the demo running
  // orphaned, holding its ports and the journal folder (the samples' card numbers) on disk.
  let by: NodeJS.Signals | undefined;
  const signalled = handleSignals((signal) => {
    by = signal;
    return stop();
  }, abort, undefined);
  let failures = 0;
  let answered = 0;
  // Undefined when a stop began while starting: nothing more is opened or printed (stop() closes what was).
  const start = async (): Promise<Connector | undefined> => {
    const bankAddress = await bank.start();
    if (stopping !== undefined) return undefined;
    // A start nobody can read (`| head -0`) fails (exit 1, the error line); the catch below closes what was opened.
    await writeStartLine(process.stdout, `bank (host simulator) listening on ${hostPort(bankAddress)}\n`, async () => undefined);
    if (stopping !== undefined) return undefined;
    const config: GatewayConfig = {
      ...GATEWAY_DEFAULTS,
      upstream: hostPort(bankAddress),
      listen,
      http: httpPort,
      reversalJournal: journal,
      logMessages,
      requestTimeout,
      shutdownDeadline: requestTimeout,
    };
    gateway = await startOnHttp(config, httpFlag === undefined, log.logger);
    if (stopping !== undefined) return undefined;
    await writeStartLine(process.stdout, readyLine(gateway) + '\n\n', async () => undefined);
    pos = createConnector({
      name: 'demo-pos',
      host: gateway.addresses.pos.address,
      port: gateway.addresses.pos.port,
      requestTimeout: requestTimeout + DEMO_POS_MARGIN,
    });
    await pos.connect();
    return stopping === undefined ? pos : undefined;
  };
  const samplesDone = (async (): Promise<void> => {
    const task = start();
    started = task;
    const client = await task;
    if (client === undefined) return;
    for (const { title, message } of samples) {
      if (stopping !== undefined) return;
      // A title from --transactions is text from elsewhere: card data in it masked (a title naming the card), a
      // control character in it (an escape sequence) shown as `?`, never acted on by the terminal.
      await writeText(process.stdout, `== ${safeText(title)}\n`);
      let response: IsoMessage;
      try {
        response = await client.request(message);
      } catch (err) {
        if (stopping !== undefined) return;
        failures++;
        // The coded errors name the field and the rule, never its value (a sample the codec refuses says which field).
        const { message: why } = err as { message?: unknown };
        // Guarded as every error line is (io.ts formatError): card data masked, control characters `?`.
        await writeText(process.stdout, `  failed: ${errorCode(err)}: ${safeText(String(why ?? ''))}\n\n`);
        continue;
      }
      answered++;
      // describe() masks the PAN, tracks, PIN block and EMV data.
      await writeText(
        process.stdout,
        '  request:\n' + indent(describe(requestShown(message))) + '\n  response:\n' +
          indent(describe(response)) + `\n  => response code ${String(response['39'] ?? '(none)')}\n\n`,
      );
    }
    await client.close();
  })();
  let interrupted: number | undefined;
  try {
    interrupted = await Promise.race([samplesDone.then(() => undefined), signalled]);
  } catch (err) {
    // A port in use, say: nothing of the demo stays behind (the bank's listener, the gateway, the journal folder).
    await stop(0).catch(() => undefined);
    log.flush();
    throw err;
  }
  if (interrupted !== undefined || by !== undefined) {
    // Stopped (Ctrl-C) while starting or sending the samples (the samples' loop may have ended first, on `stopping`):
    // once stop() has closed everything and removed the folder, the run says it was interrupted, never done.
    let code: number;
    try {
      code = interrupted ?? (await signalled);
    } finally {
      log.flush();
    }
    // A second signal aborted (its line said so): 1.
    if (code !== 0 || by === undefined) return code;
    const exit = INTERRUPTED_EXIT[by as keyof typeof INTERRUPTED_EXIT];
    return writeResult(process.stdout, `demo interrupted (${by}): ${answered} of ${samples.length} samples answered\n`, exit);
  }
  if (once) {
    await stop();
    log.flush();
    return writeResult(process.stdout, `demo done (${failures === 0 ? 'all samples answered' : `${failures} failed`})\n`, failures === 0 ? 0 : 1);
  }
  const http = gateway?.addresses.http;
  if (http !== undefined) {
    const url = `http://${hostPort(http)}`;
    // The last line of the start: nobody to read it is a failed start, the demo closed again (exit 1, the error line).
    await writeStartLine(
      process.stdout,
      'Try it (JSON in, JSON out; XML works too with content-type application/xml):\n' +
        `  curl -s -H 'content-type: application/json' -d '{"0":"0200","2":"4111111111111111","3":"000000","4":"1000","11":"000042","41":"CURL0001","49":"840"}' ${url}/\n` +
        `  curl -s ${url}/stats\n` +
        `  curl -s ${url}/metrics\n` +
        'Binary POS clients: connect to the pos address above (2-byte binary length header, iso87ascii).\n' +
        'Ctrl-C stops.\n',
      async () => {
        await stop();
        log.flush();
      },
    );
  }
  try {
    return await signalled;
  } finally {
    log.flush();
  }
}

/**
 * After the stop, the reversals (and advices) the demo bank never answered: the gateway's stop line says the next start
 * sends them from its journal, but the demo's journal is a temporary folder, removed with its bank (whose balances die
 * with it). Said on stdout, once, when there are any; a stdout that cannot be written is no failure of the stop.
 */
async function droppedLine(gateway: Gateway | undefined): Promise<void> {
  if (gateway === undefined) return;
  const left = safLeft([gateway.connector]);
  const total = left.reversals + left.advices;
  if (total === 0) return;
  const what = left.advices === 0 ? `${left.reversals} ${left.reversals === 1 ? 'reversal' : 'reversals'}` : `${total} SAF ${total === 1 ? 'entry' : 'entries'}`;
  await writeText(process.stdout, `${what} the bank never answered: dropped with the demo's temporary bank and journal (a real gateway keeps them in its journal and sends them at its next start)\n`).catch(() => undefined);
}

/** The demo's HTTP port when --http is not given (without --once). */
const DEFAULT_HTTP = 8080;

/**
 * Starts the demo's gateway; when the HTTP port is the default one (`fallback`, --http not given) and it is in use
 * (another demo), starts it again on any free port: the user never asked for 8080, so its being taken is no error.
 */
async function startOnHttp(config: GatewayConfig, fallback: boolean, logger: Parameters<typeof startGateway>[1]['logger']): Promise<Gateway> {
  try {
    return await startGateway(config, { logger });
  } catch (err) {
    const e = err as { code?: unknown; field?: unknown; cause?: { cause?: { code?: unknown }; code?: unknown } };
    const inUse = e.cause?.code === 'EADDRINUSE' || e.cause?.cause?.code === 'EADDRINUSE';
    if (!fallback || config.http !== DEFAULT_HTTP || e.code !== 'ISO8583_ERR_CLI_LISTEN' || e.field !== '--http' || !inUse) throw err;
    return startGateway({ ...config, http: 0 }, { logger });
  }
}

/** The request as it went out: numbers padded as the dialect does (packed and read back). */
function requestShown(message: MessageInput): IsoMessage {
  const codec = createCodec('iso87ascii');
  return codec.unpack(codec.pack(message));
}
