/**
 * The `iso8583` command's dispatcher: picks the command, runs it, and turns any failure into one line on stderr,
 * `iso8583: <code>: <message>`, and a non-zero exit code (2 for a wrong command line, 1 for anything else).
 * Commands load on demand, so that `iso8583 decode` does not load the gateway.
 */
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { catchStopWhileStarting } from './early-stop.js';

/** A command: its arguments after the command name in, the exit code out. */
export type CommandHandler = (argv: string[]) => Promise<number>;

/** One entry of the dispatch table. */
interface CommandEntry {
  /** One line for the general help. */
  summary: string;
  /** Loads the command's module and returns its handler. */
  load: () => Promise<CommandHandler>;
  /**
   * A long-running command that ends its start on a stop signal that comes before it is ready (early-stop.ts): the
   * signals are caught before its modules load. Default: false.
   */
  stopsWhileStarting?: boolean;
}

const COMMANDS: Record<string, CommandEntry> = {
  decode: {
    summary: 'decode a wire image (hex or stdin) to JSON, XML or a masked description',
    load: async () => (await import('./commands/decode.js')).decodeCommand,
  },
  encode: {
    summary: 'encode a JSON or XML message (stdin) to its wire image in hex',
    load: async () => (await import('./commands/encode.js')).encodeCommand,
  },
  send: {
    summary: 'send a JSON or XML message (stdin) to a host and print the response',
    load: async () => (await import('./commands/send.js')).sendCommand,
  },
  'simulate-host': {
    summary: 'run a host simulator (the "bank") on a TCP or TLS port',
    load: async () => (await import('./commands/simulate-host.js')).simulateHostCommand,
  },
  gateway: {
    summary: 'run the host-to-host gateway (one bank connection, many POS clients)',
    load: async () => (await import('./commands/gateway.js')).gatewayCommand,
    stopsWhileStarting: true,
  },
  run: {
    summary: 'run a flow file (FLOW.json)',
    load: async () => (await import('./commands/run.js')).runCommand,
    stopsWhileStarting: true,
  },
  demo: {
    summary: 'run the demo: a simulated bank, the gateway and sample traffic',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
  transactions: {
    summary: 'show the transaction log (filters: stan, terminal, rrn, time), from a folder or a running gateway',
    load: async () => (await import('./commands/transactions.js')).transactionsCommand,
  },
  load: {
    summary: 'generate load: many terminals sending purchases, with latency percentiles',
    load: async () => (await import('./commands/load.js')).loadCommand,
  },
};

/** The names of the commands, in the order the help lists them. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

/** The general help text. */
export function usage(): string {
  const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
  const lines = COMMAND_NAMES.map((n) => `  ${n.padEnd(width)}  ${(COMMANDS[n] as CommandEntry).summary}`);
  return `Usage: iso8583 <command> [flags]

ISO 8583 (1987 and 1993 dialects) toolkit: codec, host simulator, gateway, demo, transaction log and load generator.

Commands:
${lines.join('\n')}

Run \`iso8583 <command> --help\` for the flags of a command. Errors go to stderr as
\`iso8583: <code>: <message>\`; exit code 0 on success, 2 for a wrong command line, 1 for any other failure.
`;
}

function version(): string {
  const require = createRequire(import.meta.url);
  const pkg = require('../../package.json') as { version?: string };
  return `iso8583 ${pkg.version ?? 'unknown'}\n`;
}

/**
 * Writes the error line of a failure and resolves to its exit code: 2 for a command line that cannot be run, 1
 * otherwise; but a command that had decided its exit code before its result's write failed keeps that code (io.ts
 * `outcomeKept`: `load` with requests unanswered exits 1 whatever became of its summary), and a stdout whose reader
 * closed it (`| head -1`, io.ts `outputClosed`) gets no error line (the kept code, else 0). The error line is written
 * as best it can be: a closed stderr is no crash.
 * io.js (and the codec behind it) loads here, for a failure: `--help` and `--version` need neither.
 */
async function reportFailure(err: unknown): Promise<number> {
  const { errorCode, formatError, outcomeKept, outputClosed, writeText } = await import('./io.js');
  const kept = outcomeKept(err);
  if (outputClosed(err)) return kept ?? 0;
  await writeText(process.stderr, formatError(err)).catch(() => undefined);
  if (kept !== undefined && kept !== 0) return kept;
  return errorCode(err) === 'ISO8583_ERR_CLI_USAGE' ? 2 : 1;
}

/**
 * Writes the general help or the version and resolves to `code`; a write that fails is reported as a command's is
 * (io.ts `writeResult`: a reader gone, `iso8583 --help | head -1`, ends quietly with `code`; it crashed with a stack).
 * io.js loads here only: the commands do not wait for it.
 */
async function print(stream: Writable, text: string, code: number): Promise<number> {
  const { writeResult } = await import('./io.js');
  try {
    return await writeResult(stream, text, code);
  } catch (err) {
    return reportFailure(err);
  }
}

/** Entry point of the `iso8583` command: runs `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined && Object.hasOwn(COMMANDS, topic)) return main([topic, '--help']);
    // `help NAME` of no command is refused as `NAME` itself is (exit 2), not answered with the general help and 0.
    if (topic !== undefined) return main([topic]);
    return print(name === undefined ? process.stderr : process.stdout, usage(), name === undefined ? 2 : 0);
  }
  if (name === '--version' || name === '-v') return print(process.stdout, version(), 0);
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    const shown = /^[a-z][a-z0-9-]{0,30}$/.test(name) ? name : '(not a command name)';
    // Reported as every failure is (a closed or full stderr is no crash): the line, exit code 2.
    const { Iso8583Error } = await import('@iso8583/codec/error-text');
    return reportFailure(new Iso8583Error('ISO8583_ERR_CLI_USAGE', `unknown command ${shown} (see iso8583 --help)`));
  }
  // A command whose promise never settles (a lost callback somewhere) would let the event loop empty and Node exit
  // with 0: report it as a failure instead.
  // Its line goes through io.ts as every failure's does (a closed or full stderr is no crash).
  const unsettled = (): void => {
    process.exitCode = 1;
    void (async () => {
      const { Iso8583Error } = await import('@iso8583/codec/error-text');
      await reportFailure(new Iso8583Error('ISO8583_ERR_CLI_UNSETTLED', `the ${name} command stopped without an outcome`));
    })().catch(() => undefined);
  };
  process.once('beforeExit', unsettled);
  // Caught from now on: loading the command's modules takes a while, and a stop then must not kill a start midway.
  const starting = entry.stopsWhileStarting === true ? catchStopWhileStarting() : undefined;
  try {
    const handler = await entry.load();
    return await handler(rest);
  } catch (err) {
    return await reportFailure(err);
  } finally {
    starting?.release();
    process.removeListener('beforeExit', unsettled);
  }
}
