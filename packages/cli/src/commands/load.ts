/**
 * `iso8583 load`: many terminals sending 0200 purchases to a host, a progress line on stderr while it runs, and a
 * summary (throughput, latency percentiles, outcomes by response code) on stdout.
 */
import type { Writable } from 'node:stream';
import { booleanFlag, cliError, integerFlag, numberFlag, parseCommandArgs, requiredFlag, stringFlag } from '../args.js';
import { ENDPOINT_FLAGS, FRAME_FLAGS, FRAME_HELP, readClientTls, readDialectFlags, readFrameFlags, TLS_FLAGS, TLS_HELP } from '../flags.js';
import type { CommandIo } from '../io.js';
import { processIo, writeText } from '../io.js';
import type { LoadOptions, LoadProgress } from '../load/runner.js';
import { runLoad } from '../load/runner.js';
import { formatProgress, formatSummary } from '../load/summary.js';

const FLAGS = {
  ...ENDPOINT_FLAGS,
  dialect: { type: 'string', short: 'd' },
  ...FRAME_FLAGS,
  ...TLS_FLAGS,
  clients: { type: 'string', short: 'c' },
  count: { type: 'string', short: 'n' },
  duration: { type: 'string' },
  rate: { type: 'string' },
  'in-flight': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

/** The help text of `iso8583 load`. */
export const LOAD_HELP = `Usage: iso8583 load --port PORT [flags]

Many terminals (one connection each, field 41 LD000001, LD000002, ...) send 0200 purchases with test card numbers
to a host; STANs cycle 000001-999999 per terminal. A progress line goes to stderr every second (rewritten in place
on a terminal); the summary goes to stdout. Exit code 0 when every request was answered, 1 otherwise.

      --host HOST           the host. Default: 127.0.0.1
  -p, --port PORT           the port. Required
  -c, --clients N           terminals (connections). Default: 10
  -n, --count M             requests in total. Default: 1000 (unless --duration is given)
      --duration S          send for S seconds instead of a count
      --rate R              at most R requests per second in total. Default: as fast as answers come back
      --in-flight K         requests in flight per terminal. Default: 1
      --timeout MS          how long to wait for each answer. Default: 10000
      --json                print the summary as JSON
  -q, --quiet               no progress line

  -d, --dialect NAME|FILE   a built-in dialect (iso87ascii, iso87binary), a JSON dialect file or a jPOS
                            GenericPackager XML file. Default: iso87ascii

${FRAME_HELP}
  Default --frame: binary2.

${TLS_HELP}
`;

/** Progress on stderr: rewritten in place on a terminal, one line a second otherwise. */
function progressWriter(stderr: Writable): { report: (p: LoadProgress) => void; done: () => void } {
  const tty = (stderr as { isTTY?: boolean }).isTTY === true;
  let shown = false;
  return {
    report: (p) => {
      const line = formatProgress(p.sent, p.answered, p.failed, p.elapsedMs);
      stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
      shown = true;
    },
    done: () => {
      if (tty && shown) stderr.write('\n');
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
  const port = integerFlag({ port: requiredFlag(values, 'port') }, 'port', { min: 1, max: 65535 }) as number;
  const count = integerFlag(values, 'count', { min: 1 });
  const duration = numberFlag(values, 'duration', { min: 0.001, max: 86400 * 7 });
  if (count !== undefined && duration !== undefined) {
    throw cliError('ISO8583_ERR_CLI_USAGE', 'give --count or --duration, not both', '--duration');
  }
  const { dialect } = readDialectFlags(values);
  const frame = readFrameFlags(values, 'binary2');
  const options: LoadOptions = {
    host: stringFlag(values, 'host') ?? '127.0.0.1',
    port,
    clients: integerFlag(values, 'clients', { min: 1, max: 10000 }) ?? 10,
    inFlight: integerFlag(values, 'in-flight', { min: 1, max: 1000 }) ?? 1,
    timeoutMs: integerFlag(values, 'timeout', { min: 1, max: 3600000 }) ?? 10000,
    dialect,
    frame: frame.frame ?? 'binary2',
    lengthIncludesHeader: frame.lengthIncludesHeader,
    headerBytes: frame.headerBytes,
  };
  if (count !== undefined) options.count = count;
  if (duration !== undefined) options.durationMs = duration * 1000;
  const rate = numberFlag(values, 'rate', { min: 0.001 });
  if (rate !== undefined) options.rate = rate;
  if (frame.header !== undefined) options.header = frame.header;
  const tls = readClientTls(values);
  if (tls !== undefined) options.tls = tls;
  const progress = booleanFlag(values, 'quiet') ? undefined : progressWriter(io.stderr);
  if (progress) options.onProgress = progress.report;
  let summary;
  try {
    summary = await runLoad(options);
  } finally {
    progress?.done();
  }
  const text = booleanFlag(values, 'json') ? `${JSON.stringify(summary)}\n` : formatSummary(summary);
  await writeText(io.stdout, text);
  return summary.answered === summary.sent && summary.sent > 0 ? 0 : 1;
}
