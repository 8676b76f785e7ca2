/**
 * The stop signals of the long-running commands (`gateway`, `run`, `demo`): the first SIGTERM/SIGINT drains, a second
 * one aborts at once; SIGHUP reopens the log file and resets the stats. And the `HOST:PORT` form of the ready lines.
 */
import type { AddressInfo } from 'node:net';
import { writeNotice } from './io.js';

/** `HOST:PORT` of an address (`[v6]:PORT` for IPv6). */
export function hostPort(address: AddressInfo): string {
  return address.family === 'IPv6' || address.address.includes(':')
    ? `[${address.address}]:${address.port}`
    : `${address.address}:${address.port}`;
}

/**
 * Longest wait for `abort()` after a second signal (ms): time for its end line (drain.ts `ABORT_LINE_WAIT`, 500 ms)
 * to reach the log. The process exits right after it, so an abort ends "within about a second" as the docs say.
 */
export const ABORT_GRACE = 1_000;

/**
 * Resolves with the exit code once a stop signal has been handled: SIGTERM/SIGINT drain with `stop()` (exit 0); a
 * second one runs `abort()` and resolves with 1 as soon as it settles (at most {@link ABORT_GRACE} ms); the process
 * then exits 1 in the next turn of the event loop, once the command's continuation (its `... aborted` line, the log
 * flushed: synchronous writes) has run, even if a handle (a store that does not answer) still holds the event loop.
 * SIGHUP calls `hup()`. Its lines go out with io.ts `writeNotice`: a closed stdout (`| head -1`) never cuts the drain
 * or the abort short; the command's last line (`writeEnd`) reports it.
 */
export function handleSignals(stop: () => Promise<void>, abort: () => Promise<void> | void, hup: () => void): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    let aborting = false;
    const onStop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        if (aborting) return;
        aborting = true;
        writeNotice(process.stdout, `${signal} again: aborting\n`);
        process.exitCode = 1;
        const grace = new Promise<void>((r) => setTimeout(r, ABORT_GRACE).unref());
        void Promise.race([Promise.resolve().then(abort).catch(() => undefined), grace]).then(() => {
          resolve(1);
          // Whatever still holds the event loop (a close waiting for its deadline, a destroy waiting for a store) must
          // not hold the exit: it comes once the command has written its end (in the microtasks after `resolve`).
          setImmediate(() => process.exit(1));
        });
        return;
      }
      stopping = true;
      writeNotice(process.stdout, `${signal}: stopping (draining the work in flight; ${signal} again aborts)\n`);
      stop().then(
        () => {
          process.off('SIGHUP', hup);
          if (aborting) return;
          resolve(0);
          // Everything is closed; should a stray handle still hold the event loop, do not wait for it.
          // The exit code is the one the command ended with by then (its last line unwritable: 1), not a forced 0.
          setTimeout(() => process.exit(), 2_000).unref();
        },
        (err: unknown) => {
          writeNotice(process.stderr, `iso8583: shutdown failed: ${String((err as { code?: unknown }).code ?? 'error')}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', hup);
  });
}
