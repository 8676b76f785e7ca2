/**
 * `iso8583 gateway --upstream HOST:PORT [flags]`: POS clients (binary ISO 8583 over TCP) and web clients (JSON or XML
 * over HTTP) share one host-to-host link to the bank. Prints `gateway listening pos=HOST:PORT http=HOST:PORT` when
 * ready. SIGTERM/SIGINT: stop accepting, deliver what is in flight, finish pending reversals, exit 0 (a second signal
 * aborts). SIGHUP: reopen the log file and reset the stats.
 */
import type { AddressInfo } from 'node:net';
import { gatewayHelp, parseGatewayArgs } from '../gateway/config.js';
import { startGateway } from '../gateway/gateway.js';
import type { Gateway } from '../gateway/gateway.js';
import { createLogger } from '../logger.js';

/** `HOST:PORT` of an address (`[v6]:PORT` for IPv6). */
export function hostPort(address: AddressInfo): string {
  return address.family === 'IPv6' || address.address.includes(':')
    ? `[${address.address}]:${address.port}`
    : `${address.address}:${address.port}`;
}

/** The ready line of a gateway: `gateway listening pos=HOST:PORT http=HOST:PORT [metrics=HOST:PORT]`. */
export function readyLine(gateway: Gateway): string {
  const a = gateway.addresses;
  let line = `gateway listening pos=${hostPort(a.pos)} http=${a.http ? hostPort(a.http) : 'off'}`;
  if (a.metrics) line += ` metrics=${hostPort(a.metrics)}`;
  return line;
}

/** Longest wait for `abort()` after a second signal before the process exits anyway (ms). */
const ABORT_GRACE = 1_000;

/**
 * Resolves with the exit code once a stop signal has been handled: SIGTERM/SIGINT drain with `stop()` (exit 0); a
 * second one runs `abort()` and resolves with 1 as soon as it settles (at most {@link ABORT_GRACE} ms), and the
 * process exits 1 then even if a handle is still open. SIGHUP calls `hup()`.
 */
export function handleSignals(stop: () => Promise<void>, abort: () => Promise<void> | void, hup: () => void): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    let aborting = false;
    const onStop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        if (aborting) return;
        aborting = true;
        process.stdout.write(`${signal} again: aborting\n`);
        process.exitCode = 1;
        // Whatever still holds the event loop (a close waiting for its deadline) must not hold the exit.
        setTimeout(() => process.exit(1), 2 * ABORT_GRACE).unref();
        const grace = new Promise<void>((r) => setTimeout(r, ABORT_GRACE).unref());
        void Promise.race([Promise.resolve().then(abort).catch(() => undefined), grace]).then(() => resolve(1));
        return;
      }
      stopping = true;
      process.stdout.write(`${signal}: stopping (draining the work in flight; ${signal} again aborts)\n`);
      stop().then(
        () => {
          process.off('SIGHUP', hup);
          if (aborting) return;
          resolve(0);
          // Everything is closed; should a stray handle still hold the event loop, do not wait for it.
          setTimeout(() => process.exit(0), 2_000).unref();
        },
        (err: unknown) => {
          process.stderr.write(`iso8583: shutdown failed: ${String((err as { code?: unknown }).code ?? 'error')}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', hup);
  });
}

/** Runs `iso8583 gateway`; resolves with the exit code after a stop signal. */
export async function gatewayCommand(argv: string[]): Promise<number> {
  const { config, help } = parseGatewayArgs(argv);
  if (help) {
    process.stdout.write(gatewayHelp());
    return 0;
  }
  const log = createLogger({ file: config.logFile, level: config.logLevel });
  const gateway = await startGateway(config, { logger: log.logger });
  process.stdout.write(readyLine(gateway) + '\n');
  const code = await handleSignals(
    () => gateway.close(),
    () => gateway.abort(),
    () => {
      log.reopen();
      gateway.resetStats();
      log.logger.info('SIGHUP: log file reopened, stats reset');
    },
  );
  process.stdout.write(code === 0 ? 'gateway stopped\n' : 'gateway aborted\n');
  log.flush();
  return code;
}
