/**
 * `iso8583 load`: many terminals sending 0200 purchases (1200 with a 1993 dialect) to a host, a progress line on stderr
 * while it runs, and a summary (throughput, latency percentiles, outcomes by response code) on stdout.
 */
import { MAX_REQUEST_TIMEOUT } from '@iso8583/connector/timeouts';
import type { Writable } from 'node:stream';
import { cliError, parseCommandArgs, requiredFlag } from '../args.js';
import { flagHelp, flagSpecs, readFlagTable } from '../flag-table.js';
import type { FlagRow } from '../flag-table.js';
import { DIALECT_ROWS, endpointRows, FRAME_FLAGS, FRAME_HELP, logRows, readClientTls, readDialectFlags, readFrameFlags, TLS_FLAGS, TLS_HELP } from '../flags.js';
import { createLogger, levelFor } from '../logger.js';
import { INTERRUPTED_EXIT } from '../signals.js';
import { createTracer } from '../trace.js';
import type { CommandIo } from '../io.js';
import { processIo, writeNotice, writeResult, writeText } from '../io.js';
import { plural } from '../plural.js';
import { warnTlsInsecure } from '../tls-client-flags.js';
import type { LoadOptions, LoadProgress } from '../load/runner.js';
import { MAX_IN_FLIGHT_TOTAL, runLoad } from '../load/runner.js';
import { FAIL_ON_KINDS, LOAD_FAIL_ON_EXIT, failedOn, parseFailOn } from '../load/fail-on.js';
import { formatProgress, formatSummary } from '../load/summary.js';
import type { InFlightRequest, LoadSummary } from '../load/summary.js';

/** The command's own flags (and `--dialect`). */
const ROWS: readonly FlagRow[] = [
  ...endpointRows(1, 'the port. Required'),
  { flag: 'clients', short: 'c', kind: 'integer', arg: 'N', min: 1, max: 10_000, default: 10, help: 'terminals (connections)' },
  { flag: 'count', short: 'n', kind: 'integer', arg: 'M', min: 1, defaultText: '1000 (unless --duration is given)', help: 'requests in total' },
  { flag: 'duration', kind: 'number', arg: 'S', min: 0.001, max: 86_400 * 7, help: 'send for S seconds instead of a count' },
  {
    flag: 'rate', kind: 'number', arg: 'R', min: 0.001, defaultText: 'as fast as answers come back',
    help: 'at most R requests per second in total, on a fixed schedule (latency counts from each request\'s due time)',
  },
  {
    flag: 'in-flight', kind: 'integer', arg: 'K', min: 1, max: 1000, default: 1,
    help: `requests in flight per terminal (--clients x --in-flight, or the count if smaller, at most ${MAX_IN_FLIGHT_TOTAL})`,
  },
  { flag: 'timeout', kind: 'integer', arg: 'MS', min: 1, max: MAX_REQUEST_TIMEOUT, default: 10_000, help: 'how long to wait for each answer' },
  {
    flag: 'fail-on', kind: 'string', arg: 'LIST', defaultText: 'none (the exit code says whether every request was sent and answered)',
    help: `exit ${LOAD_FAIL_ON_EXIT} when the run counted any of these (comma-separated): ${FAIL_ON_KINDS.join(', ')}`,
  },
  { flag: 'json', kind: 'boolean', help: 'print the summary as JSON' },
  { flag: 'quiet', short: 'q', kind: 'boolean', help: 'no progress line' },
  ...DIALECT_ROWS.filter((r) => r.flag === 'dialect'),
  ...logRows('warn'),
];

const FLAGS = { ...flagSpecs(ROWS), ...FRAME_FLAGS, ...TLS_FLAGS };

/** The help text of `iso8583 load`. */
export const LOAD_HELP = `Usage: iso8583 load --port PORT [flags]

Many terminals (one connection each, field 41 LD000001, LD000002, ...) send 0200 purchases with test card numbers
to a host (1200 with a 1993 dialect such as iso93ascii); STANs cycle 000001-999999 per terminal, skipping one still
in flight. A progress line goes to stderr every second (rewritten in place on a terminal); the summary goes to
stdout. An answer is a 0210 (1210) with the STAN of a request waiting on its connection; anything else is counted as
unmatched (or undecodable).
Requests never written because the host closed their connection are counted as not sent. Exit code 0 when every
terminal asked for connected and kept its connection to the end (the summary counts those the host closed) and every
request asked for was sent and answered (approved or declined), 1 otherwise; with --fail-on, ${LOAD_FAIL_ON_EXIT} when the
run counted any outcome it names (the summary says which): unmatched answers, declined requests (a response code
not among the dialect's approval codes), timeouts, errors (connections lost while waiting, undecodable answers).
load sends no reversals: a purchase sent that got no answer (a timeout, a connection lost while it waited, an
answer that did not decode) may have been booked by the host (the simulator books it) and stays so; the summary
counts them ("not reversed") and --json lists the first 100 (unanswered: terminal, STAN, field 7, amount) for a
reconciliation.
Latency percentiles come from an HDR histogram (3 significant figures). Ctrl-C (SIGINT) or SIGTERM stops sending at
once (a --rate slot not yet due is not waited for), waits for the answers in flight and prints the summary of what
was done (exit code 130, 143 for SIGTERM); a second one exits at once, naming the purchases still in flight
(ISO8583_WARN_LOAD_UNANSWERED: terminal, STAN, field 7).

${flagHelp(ROWS)}

${FRAME_HELP}
  Default --frame: binary2.

${TLS_HELP}

Example:
  iso8583 load --port 8583 --clients 4 --count 200
`;

/**
 * Progress on stderr: rewritten in place on a terminal, one line a second otherwise. Written as notices (io.ts
 * `writeNotice`): a stderr that cannot be written (a full disk, a reader gone) loses the progress, never the run and
 * its summary.
 */
function progressWriter(stderr: Writable): { report: (p: LoadProgress) => void; done: () => void } {
  const tty = (stderr as { isTTY?: boolean }).isTTY === true;
  let shown = false;
  return {
    report: (p) => {
      const line = formatProgress(p.sent, p.answered, p.failed, p.elapsedMs);
      writeNotice(stderr, tty ? `\r${line}\u001b[K` : `${line}\n`);
      shown = true;
    },
    done: () => {
      if (tty && shown) writeNotice(stderr, '\n');
    },
  };
}

/** Runs `iso8583 load` with its arguments (after the command name); resolves to the exit code. */
export async function loadCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const { values, help } = parseCommandArgs(argv, FLAGS, 0);
  if (help) {
    await writeText(io.stdout, LOAD_HELP);
    return 0;
  }
  requiredFlag(values, 'port');
  const own = readFlagTable(ROWS, values);
  const port = own.port as number;
  const count = own.count as number | undefined;
  const duration = own.duration as number | undefined;
  if (count !== undefined && duration !== undefined) {
    throw cliError('ISO8583_ERR_CLI_USAGE', 'give --count or --duration, not both', '--duration');
  }
  const failOn = own['fail-on'] === undefined ? [] : parseFailOn(own['fail-on'] as string);
  const { dialect } = readDialectFlags(values);
  const frame = readFrameFlags(values, 'binary2');
  const options: LoadOptions = {
    host: own.host as string,
    port,
    clients: own.clients as number,
    inFlight: own['in-flight'] as number,
    timeoutMs: own.timeout as number,
    dialect,
    frame: frame.frame ?? 'binary2',
    lengthIncludesHeader: frame.lengthIncludesHeader,
    lengthExcludesHeaderBytes: frame.lengthExcludesHeaderBytes,
    headerBytes: frame.headerBytes,
  };
  if (count !== undefined) options.count = count;
  if (duration !== undefined) options.durationMs = duration * 1000;
  const rate = own.rate as number | undefined;
  if (rate !== undefined) options.rate = rate;
  if (frame.header !== undefined) options.header = frame.header;
  const tls = readClientTls(values);
  if (tls !== undefined) options.tls = tls;
  warnTlsInsecure(io.stderr, tls);
  const progress = own.quiet === true ? undefined : progressWriter(io.stderr);
  if (progress) options.onProgress = progress.report;
  const logMessages = own['log-messages'] === true;
  const log = createLogger({ level: levelFor(own['log-level'] as string, logMessages), name: 'load' });
  const tracer = createTracer({ logger: log.logger, dialect, logMessages });
  if (tracer.enabled) options.tracer = tracer;
  const interrupt = interruptible(io.stderr);
  options.stop = interrupt.signal;
  options.onRunning = (inFlight) => interrupt.watch(inFlight);
  let summary;
  try {
    summary = await runLoad(options);
  } finally {
    interrupt.dispose();
    progress?.done();
    log.flush();
  }
  if (summary.interrupted === true && interrupt.by !== undefined) summary.interruptedBy = interrupt.by;
  const hit = failedOn(summary, dialect, failOn);
  const failed = Object.keys(hit).length > 0;
  if (failed) summary.failedOn = hit;
  const text = own.json === true ? `${JSON.stringify(summary)}\n` : formatSummary(summary);
  // The run's own outcome first: a summary that cannot be written (`| true`) does not turn a failed run into a 0.
  const code = summary.interrupted === true ? INTERRUPTED_EXIT[interrupt.by ?? 'SIGINT'] : failed ? LOAD_FAIL_ON_EXIT : allAnswered(summary) ? 0 : 1;
  return writeResult(io.stdout, text, code);
}

/**
 * Every terminal asked for connected and kept its connection to the run's end (`connectFailures` and `lostConnections`
 * 0: a run with fewer is not the load asked for, and a host refusing or closing connections past its limit must not
 * pass a CI gate), every request asked for was written and answered (a 0210, or 1210, with its STAN), and the run went
 * to its end.
 */
function allAnswered(s: LoadSummary): boolean {
  return s.connectFailures === 0 && s.lostConnections === 0 && s.sent > 0 && s.notSent === 0 && s.endedEarly !== true && s.answered === s.sent;
}

/** The stop signals that interrupt a run: Ctrl-C, and what a supervisor, `timeout(1)` or a CI job's cancel sends. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The code of the line a second stop signal prints before the run exits at once (docs/errors.md). */
export const LOAD_UNANSWERED = 'ISO8583_WARN_LOAD_UNANSWERED';

/** The most requests in flight that line names (the rest counted). */
const MOST_NAMED = 100;

/**
 * The first SIGINT (Ctrl-C) or SIGTERM aborts the signal (the run stops sending and reports what it did; `by` says
 * which came) and says so on `stderr`, with the answers it waits for; a second one exits at once with 130 (SIGINT) or
 * 143 (SIGTERM), the shell's codes for a command they ended, after a {@link LOAD_UNANSWERED} line on `stderr` naming
 * the purchases still in flight (terminal, STAN, field 7: no card data), which the host may have booked and load does
 * not reverse. `watch` gives the list of those (runLoad's `onRunning`); none before the terminals are connected.
 */
function interruptible(stderr: Writable): {
  signal: AbortSignal;
  readonly by: 'SIGINT' | 'SIGTERM' | undefined;
  watch: (inFlight: () => InFlightRequest[]) => void;
  dispose: () => void;
} {
  const controller = new AbortController();
  let by: 'SIGINT' | 'SIGTERM' | undefined;
  let inFlight: () => InFlightRequest[] = () => [];
  // On a terminal the progress line is rewritten in place: the lines below start on their own.
  const lead = (stderr as { isTTY?: boolean }).isTTY === true ? '\n' : '';
  const onSignal = (received: 'SIGINT' | 'SIGTERM'): void => {
    const waiting = inFlight();
    if (controller.signal.aborted) {
      const named = waiting.slice(0, MOST_NAMED).map((r) => `${r.terminal}/${r.stan}/${r.transmission}`).join(' ');
      const more = waiting.length > MOST_NAMED ? ` and ${waiting.length - MOST_NAMED} more` : '';
      const list = waiting.length === 0 ? '' : ` (terminal/STAN/field 7): ${named}${more}`;
      writeNotice(stderr, `${lead}iso8583: warning: ${LOAD_UNANSWERED}: ${received} again: exiting with ${plural(waiting.length, 'purchase')} in flight unanswered, not reversed${list}\n`);
      process.exit(INTERRUPTED_EXIT[received]);
    }
    by = received;
    writeNotice(stderr, `${lead}${received}: stopping, waiting for ${plural(waiting.length, 'answer')} (${received} again exits at once)\n`);
    controller.abort();
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return {
    signal: controller.signal,
    get by() {
      return by;
    },
    watch: (list) => {
      inFlight = list;
    },
    dispose: () => {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    },
  };
}
