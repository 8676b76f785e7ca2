/** The connections of a load run: one TCP or TLS socket per terminal, within a connect timeout. */
import net from 'node:net';
import tls from 'node:tls';
import { tlsNames } from '@iso8583/connector';
import type { LoadOptions } from './runner.js';

/** The `code` of the rejection of a connect the run's stop (SIGINT, SIGTERM) ended: not a connect failure. */
export const CONNECT_STOPPED = 'ABORT_ERR';

/**
 * A socket to the loaded host (TLS when `options.tls` is set), with Nagle off, once connected (and its TLS handshake
 * done); fails with `ETIMEDOUT` (its `detail` saying what did not happen) after `connectTimeoutMs`, and with
 * {@link CONNECT_STOPPED} at once (the socket destroyed) when `options.stop` is aborted before then.
 */
export function connect(options: LoadOptions, connectTimeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const host = options.host ?? '127.0.0.1';
    const socket = options.tls
      ? tls.connect({ host, port: options.port, ...options.tls, ...tlsNames(host, options.tls.servername) })
      : net.connect({ host, port: options.port });
    // A host that accepts and never completes the TLS handshake (a plain TCP port, say) ends here too.
    const what = options.tls ? 'no connection or TLS handshake' : 'no connection';
    const timer = setTimeout(() => {
      socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT', detail: `${what} within ${connectTimeoutMs} ms` }));
    }, connectTimeoutMs);
    // A stop while connecting ends the wait at once: the run reports what it did (nothing), it does not time out.
    const stop = options.stop;
    const onStop = (): void => {
      socket.destroy(Object.assign(new Error('connect stopped'), { code: CONNECT_STOPPED }));
    };
    const settle = (): void => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', onStop);
    };
    const ready = options.tls ? 'secureConnect' : 'connect';
    socket.once(ready, () => {
      settle();
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err) => {
      settle();
      reject(err);
    });
    if (stop?.aborted === true) onStop();
    else stop?.addEventListener('abort', onStop, { once: true });
  });
}
