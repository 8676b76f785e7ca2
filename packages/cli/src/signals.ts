/**
 * The stop signals of the long-running commands (`gateway`, `run`, `demo`): the first SIGTERM/SIGINT drains, a second
 * one aborts at once; SIGHUP reopens the log file and resets the stats (the demo: stops as SIGTERM does). And the
 * `HOST:PORT` form of the ready lines.
 */
import type { AddressInfo } from 'node:net';
import { Iso8583Error } from '@iso8583/codec';
import { hostPort as hostPortOf } from '@iso8583/connector/host-port';
import { ABORT_MAX_WAIT } from './drain.js';
import { errorCode, writeNotice } from './io.js';

/**
 * The error of a graceful stop that failed (its close rejected): the close's own code when it has one, else
 * `ISO8583_ERR_CLI_UNEXPECTED`, its message after `the graceful stop failed: `, the close's error as `cause`.
 */
export function stopFailed(err: unknown): Iso8583Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Iso8583Error(errorCode(err) as Iso8583Error['code'], `the graceful stop failed: ${message}`, { cause: err });
}

/** `HOST:PORT` of a listening address (`[v6]:PORT` for IPv6: the connector's `hostPort`). */
export function hostPort(address: AddressInfo): string {
  return hostPortOf(address.address, address.port);
}

/**
 * The exit code of a run a stop signal interrupted before its end (`load`, a `demo` still sending its samples): 128 +
 * the signal's number, as the shell gives a command the signal ended.
 */
export const INTERRUPTED_EXIT: Readonly<Record<'SIGHUP' | 'SIGINT' | 'SIGTERM', number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * Longest wait (ms) for the abort of `iso8583 simulate-host` after a second signal (it stores nothing): 1,000. The
 * process exits right after it.
 */
export const ABORT_GRACE = 1_000;

/**
 * Longest wait (ms) for `abort()` after a second signal in {@link handleSignals} (`gateway`, `run`, `demo`): the
 * abort's own last resort (drain.ts `ABORT_MAX_WAIT`, 8 s: the cut clients' close and the reversals they report
 * stored before the connectors go) and 200 ms for its end line to reach the log. An abort with nothing to wait for
 * ends within about a second (drain.ts `ABORT_LINE_WAIT`); the process exits right after it.
 */
export const ABORT_EXIT_WAIT = ABORT_MAX_WAIT + 200;

/** What a SIGHUP does once the stop has settled ({@link handleSignals}): nothing. */
function ignoreLateHup(): void {
  // The log is closed and the process about to exit: nothing to reopen, nothing to stop.
}

/**
 * The exit code of a command's stop ({@link handleSignals}), and whether its outcome is known: `settled()` is true from
 * the moment the stop resolved (drained: 0; aborted, or the abort's grace ran out: 1) or rejected, before the command's
 * continuation runs. The one home of "the stop has decided the exit code" (a process fault after it no longer changes
 * it: process-faults.ts). Not "all work has ended": when the abort's grace wins, the abort may still be storing the
 * reversals its cut clients report (sr69r #5).
 */
export type HandledSignals = Promise<number> & { readonly settled: () => boolean };

/**
 * Resolves with the exit code once a stop signal has been handled: SIGTERM/SIGINT drain with `stop()` (exit 0; a
 * `stop()` that rejects rejects with {@link stopFailed}, for the command's error line and exit code 1); a second one runs `abort()` and resolves with 1 as soon as it settles (at most {@link ABORT_EXIT_WAIT} ms); the process
 * then exits 1 in the next turn of the event loop, once the command's continuation (its `... aborted` line, the log
 * flushed: synchronous writes) has run, even if a handle (a store that does not answer) still holds the event loop.
 * `stop` is told which signal came. SIGHUP calls `hup()`; with `hup` undefined, SIGHUP is a stop signal as SIGTERM
 * is (the demo: a closed terminal ends it, never leaves it running orphaned). Its lines go out with io.ts `writeNotice`: a closed stdout (`| head -1`) never cuts the drain
 * or the abort short; the command's last line (`writeEnd`) reports it. A stop signal once the stop has settled (resolved
 * or rejected) is ignored: the first outcome decides the exit code, never a late abort's 1; so is a SIGHUP then (the log
 * is closed: never reopened, and never the signal's default end of the process, exit 129).
 */
export function handleSignals(
  stop: (signal: NodeJS.Signals) => Promise<void>,
  abort: () => Promise<void> | void,
  hup: (() => void) | undefined,
): HandledSignals {
  // Once the stop has settled, a SIGHUP (logrotate) finds the log closed: nothing to reopen. It is ignored, as a late
  // stop signal is; with no listener left, Node's default would end the process by the signal (exit 129, before its
  // end line, sr68c #1), so a listener that does nothing takes the place of `hup`.
  const offHup = (): void => {
    if (hup === undefined) return;
    process.off('SIGHUP', hup);
    process.on('SIGHUP', ignoreLateHup);
  };
  // The stop's outcome once known (sr67o #5): the first outcome decides the exit code. A signal after it (the command
  // still writing its end line, the process about to exit) is ignored: it no longer aborts nor turns exit 0 into 1.
  let settled = false;
  const handled = new Promise<number>((resolve, reject) => {
    let stopping = false;
    let aborting = false;
    const onStop = (signal: NodeJS.Signals): void => {
      if (settled) return;
      if (stopping) {
        if (aborting) return;
        aborting = true;
        writeNotice(process.stdout, `${signal} again: aborting\n`);
        process.exitCode = 1;
        const grace = new Promise<void>((r) => setTimeout(r, ABORT_EXIT_WAIT).unref());
        void Promise.race([Promise.resolve().then(abort).catch(() => undefined), grace]).then(() => {
          settled = true;
          resolve(1);
          // Whatever still holds the event loop (a close waiting for its deadline, a destroy waiting for a store) must
          // not hold the exit: it comes once the command has written its end (in the microtasks after `resolve`).
          setImmediate(() => process.exit(1));
        });
        return;
      }
      stopping = true;
      writeNotice(process.stdout, `${signal}: stopping (draining the work in flight; ${signal} again aborts)\n`);
      stop(signal).then(
        () => {
          offHup();
          if (aborting) return;
          settled = true;
          resolve(0);
          // Everything is closed; should a stray handle still hold the event loop, do not wait for it.
          // The exit code is the one the command ended with by then (its last line unwritable: 1), not a forced 0.
          setTimeout(() => process.exit(), 2_000).unref();
        },
        (err: unknown) => {
          offHup();
          // A second signal meanwhile tells the end itself (its abort line, exit 1).
          if (aborting) return;
          settled = true;
          // Neither stopped nor aborted: the command reports the failure as it reports any (main.ts: its coded line,
          // exit 1), never as an abort. What the failed close left open does not hold the exit.
          reject(stopFailed(err));
          // Should the command never reach its end (a stray handle), the forced exit still says the stop failed.
          process.exitCode = 1;
          setTimeout(() => process.exit(), 2_000).unref();
        },
      );
    };
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', hup ?? onStop);
  });
  // A failed stop that comes while the command still writes its start line is reported once it awaits this, never
  // as an unhandled rejection that kills the process first.
  handled.catch(() => undefined);
  return Object.assign(handled, { settled: () => settled });
}
