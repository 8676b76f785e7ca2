/**
 * How a channel's connection is made: TCP, or TLS when `tls` is set, within `connectTimeout`, with Nagle off and TCP
 * keep-alive on; a failure is coded (`ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT`, `..._CONNECT_FAILED`) and leaves no
 * socket behind. What travels on the connection is the channel's (channel.ts).
 */
import { connect as netConnect, isIP } from 'node:net';
import type { Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Iso8583Error } from '@iso8583/codec';
import { connectorError } from './errors.js';
import type { ResolvedConnectorOptions } from './options.js';

/**
 * Opens a connection to `o.host`:`o.port` (TCP, or TLS when `o.tls` is set) within `o.connectTimeout`; resolves with
 * what `made` makes of the socket, called as soon as it connected (before any of its events can be missed). `signal`
 * (default none) aborted before then (or already) destroys the socket at once and rejects with
 * `ISO8583_ERR_CONNECTOR_CLOSED`.
 */
export function connectSocket<T>(o: ResolvedConnectorOptions, made: (socket: Socket | TLSSocket) => T, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let socket: Socket | TLSSocket;
    let settled = false;
    const fail = (err: Iso8583Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', cut);
      (socket as Socket | undefined)?.destroy(); // none when the connect itself threw
      reject(err);
    };
    const timeout = (): Iso8583Error => connectorError('ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT', `no connection to the host within ${o.connectTimeout} ms`, { field: 'connectTimeout' });
    const timer = setTimeout(() => fail(timeout()), o.connectTimeout);
    const cut = (): void => fail(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing'));
    if (signal?.aborted === true) return cut();
    signal?.addEventListener('abort', cut, { once: true });
    const ready = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', cut);
      socket.removeListener('error', onError);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      resolve(made(socket));
    };
    const onError = (err: Error): void =>
      fail(
        connectorError('ISO8583_ERR_CONNECTOR_CONNECT_FAILED', `cannot connect to the host (${(err as NodeJS.ErrnoException).code ?? err.message})`, {
          cause: err,
        }),
      );
    // A TLS option Node cannot use (a key that does not parse) throws here: the same coded failure, no socket.
    try {
      if (o.tls !== undefined) {
        const named = o.tls.servername;
        socket = tlsConnect({
          host: o.host,
          port: o.port,
          ca: o.tls.ca,
          cert: o.tls.cert,
          key: o.tls.key,
          // SNI carries host names only (RFC 6066; Node warns DEP0123 for an address): a `servername` that is an IP
          // address is not sent, the certificate is checked against it all the same (its IP SAN).
          servername: named !== undefined && isIP(named) !== 0 ? undefined : (named ?? (/^[\d.]+$|:/.test(o.host) ? undefined : o.host)),
          ...(named !== undefined && isIP(named) !== 0 ? { checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(named, cert) } : {}),
          rejectUnauthorized: o.tls.rejectUnauthorized ?? true,
        });
        socket.once('secureConnect', ready);
      } else {
        socket = netConnect({ host: o.host, port: o.port });
        socket.once('connect', ready);
      }
    } catch (err) {
      return onError(err as Error);
    }
    socket.on('error', onError);
  });
}
