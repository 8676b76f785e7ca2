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
import { createLogger } from '../gateway/logger.js';

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

/**
 * Resolves with the exit code once a stop signal has been handled: SIGTERM/SIGINT close `stop()` (exit 0); a second
 * one aborts (exit 1). SIGHUP calls `hup()`.
 */
export function handleSignals(stop: () => Promise<void>, abort: () => void, hup: () => void): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onStop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stdout.write(`${signal} again: aborting\n`);
        abort();
        resolve(1);
        return;
      }
      stopping = true;
      process.stdout.write(`${signal}: stopping\n`);
      stop().then(
        () => {
          process.off('SIGHUP', hup);
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
    () => {
      void gateway.connector.destroy();
      void gateway.endpoint.close({ deadline: 0 });
    },
    () => {
      log.reopen();
      gateway.resetStats();
      log.logger.info('SIGHUP: log file reopened, stats reset');
    },
  );
  process.stdout.write('gateway stopped\n');
  log.flush();
  return code;
}
