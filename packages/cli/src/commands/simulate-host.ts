/**
 * `iso8583 simulate-host`: the host simulator (the "bank" of the demo and the tests) on a TCP or TLS port. Prints
 * `listening on HOST:PORT` once it accepts connections and stops cleanly on SIGTERM or SIGINT.
 */
import { MAX_REQUEST_TIMEOUT, MAX_TIMER_DELAY } from '@iso8583/connector/timeouts';
import { createHostSimulator, createInboundEndpoint, DEFAULT_CLOSE_DEADLINE, MAX_SIMULATOR_BALANCE } from '@iso8583/inbound';
import type { InboundOptions } from '@iso8583/inbound';
import { listenError } from '../args.js';
import { flagHelp, flagSpecs } from '../flag-table.js';
import type { FlagRow } from '../flag-table.js';
import { DIALECT_FLAGS, DIALECT_HELP, endpointRows, FRAME_FLAGS, FRAME_HELP, logRows, LISTENER_TLS_HELP, readDialectFlags, readFrameFlags, readServerTls, TLS_FLAGS } from '../flags.js';
import type { CommandIo } from '../io.js';
import { createLogger, levelFor } from '../logger.js';
import { createTracer } from '../trace.js';
import { readPortCommand } from './port-command.js';
import { processIo, writeNotice, writeStartLine } from '../io.js';
import { ABORT_GRACE } from '../signals.js';

/** The command's own flags. */
const ROWS: readonly FlagRow[] = [
  ...endpointRows(0, 'the port; 0 picks a free one. Required'),
  {
    flag: 'delay', kind: 'integer', arg: 'MS', min: 0, max: MAX_REQUEST_TIMEOUT, default: 0,
    help: 'wait this long before each answer (the endpoint waits for the answer up to the delay + 5 s, at least 30 s)',
  },
  {
    flag: 'first-message-timeout', kind: 'integer', arg: 'MS', min: 0, max: MAX_TIMER_DELAY, default: 0,
    help: 'close a connection that sends no message within this time, 0 = never (a bank keeps idle host-to-host links)',
  },
  {
    flag: 'balance', kind: 'integer', arg: 'MINOR', min: 0, max: MAX_SIMULATOR_BALANCE, defaultText: '1000000 (10,000.00)',
    help: `the opening balance of each card, in minor units, at most ${MAX_SIMULATOR_BALANCE} (field 54's 12 digits; a long load run needs a large one to stay clear of 51, insufficient funds)`,
  },
  {
    flag: 'max-connections', kind: 'integer', arg: 'N', min: 1, default: 10000,
    help: 'most connections at once (one more is closed at accept, unless a connection that has sent nothing gives way)',
  },
  {
    flag: 'max-connections-per-address', kind: 'integer', arg: 'N', min: 1, defaultText: '--max-connections less a tenth',
    help: 'most connections of one address (IPv6: one /64) at once, so that one client never holds every slot',
  },
  {
    flag: 'shutdown-deadline', kind: 'integer', arg: 'MS', min: 0, max: MAX_REQUEST_TIMEOUT, default: DEFAULT_CLOSE_DEADLINE,
    help: 'ms a stop by SIGTERM or SIGINT drains the connections (an answer held longer by --delay is dropped), as the gateway\'s --shutdown-deadline',
  },
  { flag: 'any-card', kind: 'boolean', default: false, help: 'no Luhn or expiry check: any card number is approved (as SocketQueue\'s test host)' },
  { flag: 'partial-approval', kind: 'boolean', default: false, help: 'a purchase over the card\'s balance is approved for the balance (10, field 4 the amount approved) instead of declined 51' },
  ...logRows('warn'),
];

const FLAGS = { ...flagSpecs(ROWS), ...DIALECT_FLAGS, ...FRAME_FLAGS, ...TLS_FLAGS };

/**
 * Milliseconds a stop by signal drains the connections (`close({ deadline })`) by default (`--shutdown-deadline`): an
 * answer whose `--delay` ends within them is still sent; at the deadline the connections are destroyed and the delays'
 * timers cleared (the sequences' `signal`), so the process exits then. The endpoint's own default
 * (`DEFAULT_CLOSE_DEADLINE`, 10 s).
 */
export const SIGNAL_CLOSE_DEADLINE = DEFAULT_CLOSE_DEADLINE;

/** The help text of `iso8583 simulate-host`. */
export const SIMULATE_HOST_HELP = `Usage: iso8583 simulate-host --port PORT [flags]

Runs the host simulator: answers 0800, 0100, 0200, 0400 and 0420 with realistic fields (37, 38, 39), balances per
card and decline rules; 0120 and 0220 advices are posted and acknowledged (an 0220 naming an 0100 in field 90
completes it); a request sent again with the same 11, 7, 41, 32, card and amount, or its repeat (0201, whatever its
field 7), gets the first answer and moves no money; other requests (0402, 0440, ...) get 12. A reversal undoes its
original once (partly, with field 95's actual amount), and only the original of its own card (else 25); one that
comes before its original is answered 25 and the original, when it comes, declined 05 (or booked at the actual
amount of a partial reversal). With a 1993 dialect
(--dialect iso93ascii) 1804, 1100, 1200, 1400 and 1420, in 1993 action codes; a message of the other edition gets
the dialect's format error (30, or 904). Prints "listening on HOST:PORT" when ready (with --port 0, the port picked). Stops on
SIGTERM or SIGINT (Ctrl-C) after closing its connections (it drains up to ${SIGNAL_CLOSE_DEADLINE / 1000} s, --shutdown-deadline: an answer whose --delay ends
within them is still sent, one held longer is dropped and the exit comes about ${SIGNAL_CLOSE_DEADLINE / 1000} s after the signal), with exit code 0; a second one aborts the close ("SIGTERM again: aborting", connections destroyed, exit code 1).
Balances, the journal (duplicates, the originals reversals find) and remembered early reversals live in memory only:
a restart opens every card again at --balance and forgets every transaction (a reversal re-sent after it gets 25).

${flagHelp(ROWS)}

${DIALECT_HELP}

${FRAME_HELP}
  Default --frame: binary2. --header-hex does not apply (the reply carries the request's header, a TPDU swapped).

${LISTENER_TLS_HELP}
  A listener needs --tls-cert and --tls-key; with --tls-ca it requires client certificates.

Example:
  iso8583 simulate-host --port 8583 --delay 20
`;

/** What the endpoint waits for an answer beyond `--delay` before it answers 96 itself (and the simulator moves no money). */
const DELAY_MARGIN = 5000;

/**
 * How long a process stopped by a signal, its endpoint closed, waits for a stray timer before it exits anyway: 2000 ms.
 * A close that clears its timers (the delays') exits before it.
 */
export const EXIT_GRACE = 2_000;

/** The endpoint's default `sequenceTimeout`, kept when the delay leaves room. */
const SEQUENCE_TIMEOUT = 30000;

/**
 * The endpoint's `sequenceTimeout` for a simulator that waits `delay` ms before each answer: the default 30 s, or the
 * delay + 5 s when that is longer, so that a slow host still answers (a message that expires is answered 96).
 */
export function sequenceTimeoutFor(delay: number): number {
  return Math.max(SEQUENCE_TIMEOUT, delay + DELAY_MARGIN);
}

/** Options of {@link simulateHostCommand} for an embedder or a test. */
export interface SimulateHostRun {
  /**
   * Stops the simulator when it resolves. Default: the first SIGTERM or SIGINT, and the process is the simulator's
   * (the command line): it exits once stopped even if a timer still holds it. Given, the process is the embedder's:
   * the simulator never calls `process.exit()` (a second signal during the close still destroys the connections and
   * resolves 1).
   */
  stop?: Promise<unknown>;
}

/**
 * The stop signals of the simulator: the first SIGTERM/SIGINT resolves `promise` (the graceful close); one that comes
 * once the stop has begun (`stopping()`: a signal's or the embedder's) resolves `again` with its name, for the abort,
 * as for the gateway (signals.ts): it exited 143 before, without a line.
 */
function signalled(): { promise: Promise<void>; again: Promise<NodeJS.Signals>; stopping: () => void; dispose: () => void } {
  let first: () => void = () => undefined;
  let second: (signal: NodeJS.Signals) => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    first = resolve;
  });
  const again = new Promise<NodeJS.Signals>((resolve) => {
    second = resolve;
  });
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      second(signal);
      return;
    }
    stopping = true;
    first();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    promise,
    again,
    stopping: () => {
      stopping = true;
    },
    dispose: () => {
      process.removeListener('SIGTERM', handler);
      process.removeListener('SIGINT', handler);
    },
  };
}

/** Runs `iso8583 simulate-host` with its arguments (after the command name); resolves to the exit code on stop. */
export async function simulateHostCommand(
  argv: string[],
  io: CommandIo = processIo(),
  run: SimulateHostRun = {},
): Promise<number> {
  const args = await readPortCommand(argv, FLAGS, ROWS, SIMULATE_HOST_HELP, io.stdout);
  if (args === undefined) return 0;
  const { values, own, port } = args;
  const delay = own.delay as number;
  const balance = own.balance as number | undefined;
  const logMessages = own['log-messages'] === true;
  const level = levelFor(own['log-level'] as string, logMessages);
  const { dialect, lenient } = readDialectFlags(values);
  const frame = readFrameFlags(values, 'binary2');
  const tls = readServerTls(values);
  const log = createLogger({ level, name: 'simulate-host' });
  const logger = log.logger;

  const options: InboundOptions = {
    name: 'simulate-host',
    host: own.host as string,
    port,
    dialect,
    frame: frame.frame ?? 'binary2',
    lengthIncludesHeader: frame.lengthIncludesHeader,
    lengthExcludesHeaderBytes: frame.lengthExcludesHeaderBytes,
    headerBytes: frame.headerBytes,
    lenient,
    // Answers in the width of the dialect's field 39 (smartvista approves with 000).
    // Each message answered is logged (debug; info with --log-messages): in from the client, out with the latency.
    ...createTracer({ logger, dialect, logMessages }).endpoint('host', createHostSimulator({
      delay,
      dialect,
      checkCards: own['any-card'] !== true,
      partialApproval: own['partial-approval'] === true,
      ...(balance === undefined ? {} : { defaultBalance: balance }),
    })),
    sequenceTimeout: sequenceTimeoutFor(delay),
    firstMessageTimeout: own['first-message-timeout'] as number,
    maxConnections: own['max-connections'] as number,
    ...(own['max-connections-per-address'] === undefined ? {} : { maxConnectionsPerAddress: own['max-connections-per-address'] as number }),
    logger,
  };
  if (tls !== undefined) options.tls = tls;
  // Listen for the signals before the port opens, so that a stop sent right after the line is never lost.
  const signals = signalled();
  try {
    const endpoint = createInboundEndpoint(options);
    const address = await endpoint.start().catch((err: unknown) => {
      throw listenError(err, '--port', options.host ?? '127.0.0.1', port);
    });
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    // Nobody reads the address (`| true`): a host nobody can be told of is a failed start. What was opened is closed,
    // so that the process ends, and the command fails loudly (exit 1, the error line: the write's, even when the close
    // fails too) rather than stay up, silent, for ever.
    await writeStartLine(io.stdout, `listening on ${host}:${address.port}\n`, () => endpoint.close());
    const by = await Promise.race([signals.promise.then(() => 'signal' as const), run.stop ?? new Promise<never>(() => undefined)]);
    signals.stopping();
    // A second signal during the close aborts it: its line at once, the connections destroyed, exit 1 within about a
    // second whatever still holds the process (an answer waiting out its --delay), as the gateway does.
    let aborting = false;
    await Promise.race([
      endpoint.close({ deadline: own['shutdown-deadline'] as number }),
      signals.again.then(async (signal) => {
        aborting = true;
        writeNotice(io.stdout, `${signal} again: aborting\n`);
        const grace = new Promise<void>((r) => setTimeout(r, ABORT_GRACE).unref());
        await Promise.race([endpoint.destroy().catch(() => undefined), grace]);
      }),
    ]);
    // The destroy ends the close too: the abort is what happened, whichever settled first.
    // The exit is forced only on the command line: an embedder's process (`run.stop` given) is never ended here.
    const ownsProcess = run.stop === undefined;
    if (aborting) {
      if (ownsProcess) setImmediate(() => process.exit(1));
      return 1;
    }
    // Stopped by a signal, everything closed: an answer still waiting out its --delay (a timer of the simulator's,
    // up to an hour) must not hold the exit, as for the gateway (signals.ts).
    if (by === 'signal' && ownsProcess) setTimeout(() => process.exit(0), EXIT_GRACE).unref();
  } finally {
    signals.dispose();
  }
  return 0;
}
