/**
 * `iso8583 gateway --upstream HOST:PORT [flags]`: POS clients (binary ISO 8583 over TCP) and web clients (JSON or XML
 * over HTTP) share one host-to-host link to the bank. Prints `gateway listening pos=HOST:PORT http=HOST:PORT` when
 * ready. SIGTERM/SIGINT: stop accepting, deliver what is in flight, finish pending reversals, exit 0 (a second signal
 * aborts). SIGHUP: reopen the log file and reset the stats.
 */
// What runs a gateway (the gateway and its HTTP server, the connector and the endpoint, pino, prom-client) loads
// after the command line is read: `--help`, `--check-config` and a wrong flag need none of it.
import { gatewayHelp, parseGatewayArgs } from '../gateway/config.js';
import type { Gateway } from '../gateway/gateway.js';
import type { GatewayConfig } from '../gateway/config.js';
import { gatewayError } from '../gateway/errors.js';
import { handleSignals, hostPort } from '../signals.js';
import { catchStopWhileStarting, notStarting } from '../early-stop.js';
import type { StartStop } from '../early-stop.js';
import { writeEnd, writeResult, writeStartLine } from '../io.js';
import { releaseFlagPipes } from '../read-file.js';
import { warningFields } from '../warning-fields.js';

/** The ready line of a gateway: `gateway listening pos=HOST:PORT http=HOST:PORT [metrics=HOST:PORT] [stats=HOST:PORT]`. */
export function readyLine(gateway: Gateway): string {
  const a = gateway.addresses;
  let line = `gateway listening pos=${hostPort(a.pos)} http=${a.http ? hostPort(a.http) : 'off'}`;
  if (a.metrics) line += ` metrics=${hostPort(a.metrics)}`;
  if (a.stats) line += ` stats=${hostPort(a.stats)}`;
  return line;
}

/**
 * The line of a start ended by a stop signal before it was ready (exit 0: nothing was left half made); a closed stdout
 * ends it quietly, with the same 0 (io.ts `writeEnd`).
 */
function stoppedBeforeReady(signal: NodeJS.Signals): Promise<number> {
  return writeEnd(process.stdout, `gateway stopped before ready (${signal})\n`, 0);
}

/** Runs `iso8583 gateway`; resolves with the exit code after a stop signal. */
export async function gatewayCommand(argv: string[]): Promise<number> {
  const { config, help, checkOnly, warnings } = parseGatewayArgs(argv);
  // Help and a check start nothing: a stop signal now ends them as it ends any short command.
  if (help || checkOnly) notStarting();
  // One-shot outputs: a reader gone (`| head -1`) ends the command quietly with 0, a full disk is the error line.
  if (help) return writeResult(process.stdout, gatewayHelp(), 0);
  // The log file is opened (with --check-config: looked at) before anything starts: a bad one is an error at once.
  const problem = config.logFile === undefined ? undefined : (await import('../logger.js')).logFileProblem(config.logFile, !checkOnly);
  if (problem !== undefined) {
    throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `--log-file ${String(config.logFile)} cannot be opened for writing: ${problem}`, {
      field: '--log-file',
    });
  }
  if (checkOnly) {
    const { checkGatewayConfig } = await import('../gateway/check-config.js');
    return writeResult(process.stdout, `${checkGatewayConfig(config, warnings)}\n`, 0);
  }
  // A stop that comes while the gateway starts ends the start (early-stop.ts): caught by the dispatcher already.
  const starting = catchStopWhileStarting();
  try {
    return await startThenRun(config, warnings, starting);
  } finally {
    starting.release();
  }
}

/** The start of a gateway and its run until a stop signal; a stop before ready ends it as soon as the start allows. */
async function startThenRun(config: GatewayConfig, warnings: readonly string[], starting: StartStop): Promise<number> {
  if (starting.signal !== undefined) return stoppedBeforeReady(starting.signal);
  const [{ createLogger, levelFor }, { socketQueueNotice }, { startGateway }, { withStoreFlag }] = await Promise.all([
    import('../logger.js'),
    import('../gateway/socketqueue.js'),
    import('../gateway/gateway.js'),
    import('../gateway/journal-check.js'),
  ]);
  if (starting.signal !== undefined) return stoppedBeforeReady(starting.signal);
  const log = createLogger({ file: config.logFile, level: levelFor(config.logLevel, config.logMessages) });
  socketQueueNotice(config, log.logger);
  // A config file key a flag made unused (flags win over the file): said, as --check-config says it.
  // Each with its code as a field too (`ISO8583_WARN_...: text`), as every warn line has one.
  for (const line of warnings) log.logger.warn(warningFields(line), line);
  // A store folder or the --store database that cannot be opened is named by its flag (journal-check.ts), its reason kept.
  const gateway = await startGateway(config, { logger: log.logger }).catch((err: unknown) => {
    throw withStoreFlag(err);
  });
  // Every flag file is read: the text of a pipe (a key, a token through `<(...)`) is not kept for the process's life.
  releaseFlagPipes();
  if (starting.signal !== undefined) {
    // Its parts are made, nothing is in flight yet: closed in order (the journal lock released, no file left half made).
    await gateway.close();
    log.logger.info({ signal: starting.signal }, 'gateway stopped before ready');
    log.flush();
    return stoppedBeforeReady(starting.signal);
  }
  // The stop signals are handled before the ready line goes out: a supervisor (or a test) that stops the gateway as
  // soon as it reads the line must not kill it with the default action of SIGTERM.
  const stopped = handleSignals(
    () => gateway.close(),
    () => gateway.abort(),
    () => {
      log.reopen();
      gateway.resetStats();
      log.logger.info('SIGHUP: log file reopened, stats reset');
    },
  );
  starting.release();
  if (starting.hangup) {
    log.reopen();
    log.logger.info('SIGHUP during the start: log file reopened');
  }
  // A ready line nobody can read (`| head -0`, a full disk) is a failed start: the gateway is closed again (gracefully:
  // a client that connected meanwhile gets its answers) and the command fails with the error line, exit 1.
  await writeStartLine(process.stdout, readyLine(gateway) + '\n', async () => {
    await gateway.close();
    log.flush();
  });
  // Inside the try: a failed stop (its coded error) flushes the log too before main.ts reports it.
  try {
    const code = await stopped;
    // The drain is over whatever became of stdout meanwhile (its lines are notices, signals.ts); a closed stdout ends
    // the command quietly with the stop's own exit code.
    return await writeEnd(process.stdout, code === 0 ? 'gateway stopped\n' : 'gateway aborted\n', code);
  } finally {
    log.flush();
  }
}
