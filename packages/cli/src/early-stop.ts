/**
 * A stop signal that comes while a long-running command (`gateway`, `run`) is still starting, before its own handlers
 * (signals.ts) are installed: without a listener, SIGTERM's default action killed the process (exit 143) in the middle
 * of its start, leaving its journal lock and a half-written `reversals.jsonl.tmp` for the next start to clean. The
 * dispatcher (main.ts) installs this first, before the command's modules load; the command then ends its start as
 * soon as it can (nothing made yet: at once; its parts made: closed in order), says `stopped before ready` and exits
 * 0. A second signal meanwhile gives up on that: the process exits 1 at once, as a second signal aborts a running
 * gateway. A SIGHUP meanwhile (whose default action ends the process too) is kept for the command: it reopens its log
 * file once ready. No heavy imports here: it loads with the dispatcher.
 */
import { writeSync } from 'node:fs';

/**
 * Writes a line of this catcher to stdout at once (before a `process.exit` right after it), never failing: a stdout
 * whose reader went away (`EPIPE`) or a full disk must not turn a stop into a crash with a stack. Not io.ts (the one
 * home of the commands' output), which loads the codec: this module loads with the dispatcher, for every command; the
 * command's own last line (io.ts `writeEnd`) finds a closed stdout again and ends as io.ts says.
 */
function say(text: string): void {
  try {
    writeSync(1, text);
  } catch {
    // Nobody reads it: the stop goes on all the same.
  }
}

/** The stop signals caught while a command starts. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** What a command reads of the stop signals that came while it started. */
export interface StartStop {
  /** The first stop signal received since {@link catchStopWhileStarting}, `undefined` while none came. */
  readonly signal: NodeJS.Signals | undefined;
  /**
   * Whether a SIGHUP came meanwhile (a `systemctl reload`, a log rotation): caught too, since its default action ends
   * the process; the command acts on it (reopens its log file) once its own handlers are installed.
   */
  readonly hangup: boolean;
  /** Stops catching (once the command's own handlers are installed, or once it returns); later calls do nothing. */
  release(): void;
}

let current: StartStop | undefined;

/**
 * Starts catching SIGTERM, SIGINT and SIGHUP for a command that is starting, or returns the catcher already installed
 * (the dispatcher's, until released). The first stop signal is recorded (a line on stdout, `SIGTERM: stopping before
 * ready`); a second one exits the process with 1 at once (`SIGTERM again: aborting the start`). A SIGHUP is recorded
 * ({@link StartStop.hangup}).
 */
export function catchStopWhileStarting(): StartStop {
  if (current !== undefined) return current;
  let signal: NodeJS.Signals | undefined;
  const onSignal = (received: NodeJS.Signals): void => {
    if (signal !== undefined) {
      say(`${received} again: aborting the start\n`);
      process.exit(1);
    }
    signal = received;
    say(`${received}: stopping before ready (${received} again aborts)\n`);
  };
  let hangup = false;
  const onHangup = (): void => {
    hangup = true;
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  process.on('SIGHUP', onHangup);
  const stop: StartStop = {
    get signal() {
      return signal;
    },
    get hangup() {
      return hangup;
    },
    release() {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
      process.off('SIGHUP', onHangup);
      if (current === stop) current = undefined;
    },
  };
  current = stop;
  return stop;
}

/**
 * For a long-running command that will not start after all (its `--help`, a check of its configuration): the catcher
 * installed by the dispatcher is released, and a stop signal that came meanwhile ends the process as that signal ends
 * a short command (raised again, with no listener left: exit 143 for SIGTERM, 130 for SIGINT), instead of being
 * swallowed while the check goes on and says all is well.
 */
export function notStarting(): void {
  const stop = current;
  if (stop === undefined) return;
  const signal = stop.signal;
  stop.release();
  if (signal !== undefined) process.kill(process.pid, signal);
}
