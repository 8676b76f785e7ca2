/**
 * The start of the command lines of `send` and `simulate-host`, the two commands that need `--port`: their flags read,
 * `--help` answered, `--port` required and their own flag table read, in one place.
 */
import type { Writable } from 'node:stream';
import { parseCommandArgs, requiredFlag } from '../args.js';
import type { FlagSpecs, FlagValues } from '../args.js';
import { readFlagTable } from '../flag-table.js';
import type { FlagRow } from '../flag-table.js';
import { writeText } from '../io.js';

/** What {@link readPortCommand} read of a command line. */
export interface PortCommandArgs {
  /** Every flag's value (the shared tables' too: dialect, frame, TLS). */
  values: FlagValues;
  /** The command's own flags, read by their table (defaults filled in). */
  own: Record<string, string | number | boolean | undefined>;
  /** `--port`. */
  port: number;
}

/**
 * Reads `argv` by `flags` (no positional argument): with `--help`, writes `help` to `stdout` and resolves `undefined`
 * (the command then exits 0); else `--port` is required (`ISO8583_ERR_CLI_USAGE` naming it) and `rows`, the command's
 * own flags, are read (flag-table.ts `readFlagTable`: a bad value is `ISO8583_ERR_CLI_OPTION` naming its flag).
 */
export async function readPortCommand(
  argv: string[],
  flags: FlagSpecs,
  rows: readonly FlagRow[],
  help: string,
  stdout: Writable,
): Promise<PortCommandArgs | undefined> {
  const parsed = parseCommandArgs(argv, flags, 0);
  if (parsed.help) {
    await writeText(stdout, help);
    return undefined;
  }
  requiredFlag(parsed.values, 'port');
  const own = readFlagTable(rows, parsed.values);
  return { values: parsed.values, own, port: own.port as number };
}
