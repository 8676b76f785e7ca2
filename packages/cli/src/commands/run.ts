/**
 * `iso8583 run FLOW.json`: starts the connectors, inbound endpoints and HTTP server a flow file declares. Prints one
 * line per listener (`inbound NAME listening on HOST:PORT`, `http listening on HOST:PORT`) and `flow NAME ready`.
 * Signals as for the gateway: SIGTERM/SIGINT stop gracefully (exit 0), SIGHUP reopens the log file and resets stats.
 */
import { MAX_TIMER_DELAY } from '@iso8583/connector/timeouts';
import { cliError, parseCommandArgs } from '../args.js';
import { CONSOLE_ROWS, flagHelp, flagSpecs, readFlagTable } from '../flag-table.js';
import { trustedProxyList } from '../http/trusted-proxies.js';
import type { FlagRow } from '../flag-table.js';
// The flow's reader (the connector and the endpoint behind it), its check and its runner (Fastify, pino, prom-client)
// load when the command line asks for them: `--help` needs none of them, `--schema` the schema only.
import { flowError, moduleFaultError } from '../flow/errors.js';
import type { RunningFlow } from '../flow/runner.js';
import type { FlowRunOptions } from '../flow/run-options.js';
import type { ReopenableLogger } from '../logger.js';
import { handleSignals, hostPort } from '../signals.js';
// Static (it is small): an `await import` between the early stop's check and `handleSignals` would drop a stop signal
// that came in that gap (early-stop.ts records it, and nothing reads it again).
import { handleProcessFaults } from '../process-faults.js';
import { catchStopWhileStarting, notStarting } from '../early-stop.js';
import { printable, writeEnd, writeResult, writeStartLine } from '../io.js';
import { releaseFlagPipes } from '../read-file.js';

/** The command's flags. */
const ROWS: readonly FlagRow[] = [
  { flag: 'check', kind: 'boolean', help: 'validate the flow file (and the environment variables it reads, the journal folders, the sequences, the HTTP token file) and exit' },
  { flag: 'schema', kind: 'boolean', help: 'print the JSON Schema of flow files (made from connector-manifest.json) and exit' },
  {
    flag: 'log-messages', kind: 'boolean',
    help: 'log every message in and out and every HTTP request at info (direction, peer, latency, fields; card data masked)',
  },
];

/** The help text of `iso8583 run`. */
export const RUN_HELP = `Usage: iso8583 run FLOW.json [--check] | iso8583 run --schema

Runs the connectors, inbound endpoints (each with its sequence module) and HTTP server declared in a flow file.
Strings written "\${VAR}" or "\${VAR:-default}" in the file are read from the environment.

${flagHelp(ROWS)}

The HTTP section's port (when the flow has one) also serves the operator console at /console:
${flagHelp(CONSOLE_ROWS)}
`;

/** Runs `iso8583 run`; resolves with the exit code after a stop signal. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals, help } = parseCommandArgs(argv, flagSpecs([...ROWS, ...CONSOLE_ROWS]), 1);
  // Help, the schema and a check start nothing: a stop signal now ends them as it ends any short command.
  if (help || values.schema === true || values.check === true) notStarting();
  // One-shot outputs: a reader gone (`| head -1`) ends the command quietly with 0, a full disk is the error line.
  if (help) return writeResult(process.stdout, RUN_HELP, 0);
  if (values.schema === true) {
    const { flowSchema } = await import('../flow/schema.js');
    return writeResult(process.stdout, JSON.stringify(flowSchema(), null, 2) + '\n', 0);
  }
  const file = positionals[0];
  if (file === undefined) throw cliError('ISO8583_ERR_CLI_USAGE', 'the flow file is required: iso8583 run FLOW.json', 'FLOW');
  const { loadFlow } = await import('../flow/load.js');
  const flow = loadFlow(file);
  const check = values.check === true;
  // The log file is opened (with --check: looked at) before anything starts, so a bad one is an error, not lost lines.
  const problem = flow.logFile === undefined ? undefined : (await import('../logger.js')).logFileProblem(flow.logFile, !check);
  if (problem !== undefined) {
    throw flowError('ISO8583_ERR_FLOW_FILE', `flow file ${file}: /logFile: ${String(flow.logFile)} cannot be opened for writing: ${problem}`, {
      field: '/logFile',
    });
  }
  const logMessages = values['log-messages'] === true;
  const access = readFlagTable(CONSOLE_ROWS, values);
  // What the flags add to the flow: the same for the check and the start (the token file is read by both).
  const run: FlowRunOptions = {
    logMessages,
    noConsole: access['no-console'] === true,
    consoleSend: access['console-send'] === true,
    consoleSessionLifetime: access['console-session-lifetime'] as number,
    consoleSecureCookie: access['console-secure-cookie'] === true,
    ...(typeof access['http-token'] === 'string' ? { httpToken: access['http-token'] } : {}),
    ...(typeof access['http-token-file'] === 'string' ? { httpTokenFile: access['http-token-file'] } : {}),
    ...(typeof access['http-trusted-proxy'] === 'string' ? { trustedProxies: trustedProxyList(access['http-trusted-proxy']) } : {}),
  };
  if (check) {
    const [{ checkFlow }, { createLogger, levelFor }] = await Promise.all([import('../flow/check.js'), import('../logger.js')]);
    // The check loads the sequence modules: a fault of theirs (a top-level promise rejected and left, a warning) is
    // logged on stderr masked as a running flow logs it (process-faults.ts), never printed raw by Node; a rejection
    // or an exception fails the check. Left in place to the process's end (it exits once its lines are written).
    const faults = handleProcessFaults(createLogger({ level: levelFor(flow.logLevel, false) }).logger, () => undefined);
    const result = await checkFlow(file, flow, run);
    // A rejection left by a module is told once the tick it was left in ends: past one turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    if (faults.crashed()) throw moduleFaultError();
    return writeResult(process.stdout, result, 0);
  }
  // A stop that comes while the flow starts ends the start (early-stop.ts): caught by the dispatcher already.
  const starting = catchStopWhileStarting();
  // The flow's name on stdout: text from the file, its control characters shown as `?` (io.ts printable), so that a
  // name with a newline or an escape sequence forges no ready line.
  const shown = printable(flow.name);
  try {
    if (starting.signal !== undefined) return await stoppedBeforeReady(shown, starting.signal);
    const [{ createLogger, levelFor }, { startFlow }, { withJournalPath }] = await Promise.all([
      import('../logger.js'),
      import('../flow/runner.js'),
      import('../flow/options.js'),
    ]);
    if (starting.signal !== undefined) return await stoppedBeforeReady(shown, starting.signal);
    const log = createLogger({ file: flow.logFile, level: levelFor(flow.logLevel, logMessages) });
    // A fault while the flow starts (a sequence module's top level leaving a promise rejected) is logged masked as once
    // it runs (process-faults.ts), never printed raw by Node, and fails the start (as --check fails).
    const loading = handleProcessFaults(log.logger, () => undefined);
    let running: RunningFlow;
    // The handler stays until the start's parts are closed: a second fault while they close is logged masked too,
    // never printed raw by Node (it would end the close half done, mend68d #3).
    try {
      // A fault known once the sequences load fails the start before anything opens (runner.ts, mend68d #2).
      running = await startFlow(flow, log.logger, { ...run, faulted: () => loading.crashed() }).catch((err: unknown) => {
        // A journal folder that cannot be opened is named by its JSON path, as --check names it; its reason kept.
        throw withJournalPath(err, flow.connectors);
      });
      // A rejection left by a module is told once the tick it was left in ends: past one turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      if (loading.crashed()) {
        // Its parts are made, nothing is in flight yet: closed in order, as a stop before ready closes them.
        await running.close();
        log.flush();
        throw moduleFaultError();
      }
      // Every flag file is read: the text of a pipe (a token through `<(...)`) is not kept for the process's life.
      releaseFlagPipes();
      if (starting.signal !== undefined) {
        // Its parts are made, nothing is in flight yet: closed in order (the journal locks released, no file left half made).
        await running.close();
        log.logger.info({ signal: starting.signal }, `flow ${shown} stopped before ready`);
        log.flush();
        // A fault while it closed was logged as failing the start (exit 1): the exit code says so too (sr68m #3).
        if (loading.crashed()) throw moduleFaultError();
        return await stoppedBeforeReady(shown, starting.signal);
      }
    } finally {
      loading.dispose();
    }
    return await runUntilStopped(shown, running, log, () => {
      starting.release();
      if (starting.hangup) log.reopen();
    });
  } finally {
    starting.release();
  }
}

/**
 * The line of a start ended by a stop signal before it was ready (exit 0: nothing was left half made); a closed stdout
 * ends it quietly, with the same 0 (io.ts `writeEnd`).
 */
function stoppedBeforeReady(name: string, signal: NodeJS.Signals): Promise<number> {
  return writeEnd(process.stdout, `flow ${name} stopped before ready (${signal})\n`, 0);
}

/** Runs a started flow until a stop signal; `handled` is called once its own signal handlers are installed. */
async function runUntilStopped(name: string, running: RunningFlow, log: ReopenableLogger, handled: () => void): Promise<number> {
  // No await from the early stop's check to here: a stop signal is the early stop's or this handler's, never lost.
  // The stop signals are handled before the ready lines go out (a stop sent on reading them is never lost).
  let stopRequested = false;
  const stopped = handleSignals(
    () => {
      stopRequested = true;
      return running.close();
    },
    () => running.abort(),
    () => {
      log.reopen();
      running.resetStats();
    },
  );
  handled();
  // A fault of a sequence's code that belongs to no request (process-faults.ts): logged masked; an uncaught exception
  // or an unhandled rejection takes the graceful stop path a SIGTERM takes (each request in flight gets its one
  // outcome), then exit 1. During a drain already under way (the operator's SIGTERM) it is only logged: a second
  // SIGTERM would turn that drain into an abort.
  // Once the stop's outcome is known (`stopped.settled`), a fault no longer changes the exit code it decided (sr67o #5)
  // and its line says so (sr68c #3).
  const faults = handleProcessFaults(
    log.logger,
    () => {
      process.exitCode = 1;
      if (!stopRequested) process.emit('SIGTERM', 'SIGTERM');
    },
    stopped.settled,
  );
  // The process is held until a stop signal: a flow of connectors only (no listener, no HTTP) has nothing else that
  // keeps the event loop alive while its bank link is down (the reconnect timer is unref'd). Cleared at the stop.
  const held = setInterval(() => undefined, MAX_TIMER_DELAY);
  // Ready lines nobody can read (`| head -0`, a full disk) are a failed start: the flow is closed again (gracefully)
  // and the command fails with the error line, exit 1.
  const lines = Object.entries(running.inbound).map(([inbound, address]) => `inbound ${inbound} listening on ${hostPort(address)}\n`);
  if (running.http !== undefined) lines.push(`http listening on ${hostPort(running.http)}\n`);
  lines.push(`flow ${name} ready\n`);
  const close = async (): Promise<void> => {
    await running.close();
    log.flush();
  };
  try {
    for (const line of lines) await writeStartLine(process.stdout, line, close);
  } catch (err) {
    faults.dispose();
    clearInterval(held);
    throw err;
  }
  // Inside the try: a failed stop (its coded error) flushes the log too before main.ts reports it.
  try {
    const code = await stopped;
    // The drain is over whatever became of stdout meanwhile (its lines are notices, signals.ts).
    if (faults.crashed() && code === 0) return await writeEnd(process.stdout, `flow ${name} stopped after an uncaught exception or unhandled rejection\n`, 1);
    return await writeEnd(process.stdout, code === 0 ? `flow ${name} stopped\n` : `flow ${name} aborted\n`, code);
  } finally {
    faults.dispose();
    clearInterval(held);
    log.flush();
  }
}
