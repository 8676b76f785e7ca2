/**
 * How a channel's connection is made: TCP, or TLS when `tls` is set, within `connectTimeout`, with Nagle off and TCP
 * keep-alive on; a failure is coded (`ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT`, `..._CONNECT_FAILED`) and leaves no
 * socket behind. A TLS connection is up once the host's certificate verified (else `CONNECT_FAILED` naming `tls.ca` or
 * `tls.servername`: tls-host-certificate.ts) and, on TLS 1.3, once the host accepted the client's side of the
 * handshake (its first session ticket, at most {@link TLS13_SETTLE_MS} after it; a close or a certificate alert before
 * is `CONNECT_FAILED` naming `tls.cert`; each option named by `tls.sources` when given): nothing is written before.
 * What travels on the connection is the channel's (channel.ts).
 */
import { performance } from 'node:perf_hooks';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext } from 'node:tls';
import type { SecureContext, TLSSocket } from 'node:tls';
import type { Iso8583Error } from '@iso8583/codec';
import { connectorError } from './errors.js';
import { hostCertificateError } from './tls-host-certificate.js';
import { tlsNames, tlsSourceName } from './tls-options.js';
import type { ResolvedConnectorOptions } from './options.js';

/**
 * How long a TLS 1.3 link waits after its handshake for the host's first session ticket before it
 * counts as up: 2000 ms. In TLS 1.3 the client's handshake ends before the host checked the client's certificate; a
 * host that refuses it (or its absence) closes the connection then, at once, and one that accepts it sends its session
 * tickets, at once too. A host that sends no ticket is taken as up after this bound (each connect that much later). Long
 * enough that a busy machine (a process not scheduled for a second) still sees a refusal as one, not as a link up that
 * then closes (its request written, "maybe" sent, reversed).
 */
export const TLS13_SETTLE_MS = 2000;

/** Why the host closed a TLS 1.3 link at the end of its handshake, before it was up. */
const REFUSED_AT_HANDSHAKE_END = 'the host closed the connection at the end of the TLS handshake: it may refuse the client certificate';

/** A TLS alert from the host about the client's certificate (refused, unknown CA, missing, expired): `tls.cert`. */
const CERTIFICATE_ALERT = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(?:BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_\w+|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED)$/;

/** The secure context of each connector's `tls` (made at its first TLS connect), by its (frozen) `tls` option. */
const CONTEXTS = new WeakMap<object, SecureContext>();

/**
 * The secure context of `tls` (its `ca`, default Node's bundled root CAs, and its `cert` and `key`), made once: given
 * to `tls.connect` instead of the PEM texts, which Node would keep on each socket (its connect options), where
 * `util.inspect` of a connector would show the private key. Throws as `tls.connect` would for material it cannot use.
 */
function secureContextOf(tls: NonNullable<ResolvedConnectorOptions['tls']>): SecureContext {
  let context = CONTEXTS.get(tls);
  if (context === undefined) {
    context = createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key });
    CONTEXTS.set(tls, context);
  }
  return context;
}

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
    let settling: NodeJS.Timeout | undefined;
    const fail = (err: Iso8583Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(settling);
      signal?.removeEventListener('abort', cut);
      (socket as Socket | undefined)?.destroy(); // none when the connect itself threw
      reject(err);
    };
    // TCP connected (`connect`) but the TLS handshake not finished: said as such, not as no connection.
    let tcpUp = false;
    const timeout = (): Iso8583Error =>
      connectorError(
        'ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT',
        tcpUp && o.tls !== undefined
          ? `TLS handshake not finished within ${o.connectTimeout} ms (the TCP connection was made; the host sent no TLS answer)`
          : `no connection to the host within ${o.connectTimeout} ms`,
        { field: 'connectTimeout' },
      );
    const startedAt = performance.now();
    const timer = setTimeout(() => fail(timeout()), o.connectTimeout);
    const cut = (): void => fail(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing'));
    if (signal?.aborted === true) return cut();
    signal?.addEventListener('abort', cut, { once: true });
    const ready = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(settling);
      signal?.removeEventListener('abort', cut);
      socket.removeListener('error', onError);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      resolve(made(socket));
    };
    const onError = (err: Error): void => {
      const code = (err as NodeJS.ErrnoException).code;
      // A reset while a TLS 1.3 link waits for its ticket: the host's refusal too.
      if (settling !== undefined && (code === undefined || !CERTIFICATE_ALERT.test(code))) return refused(err);
      const field = code !== undefined && CERTIFICATE_ALERT.test(code) ? tlsSourceName(o.tls, 'cert') : undefined;
      // Not the address: the gateway returns this text to HTTP clients; the `connection failed` log line names it.
      const why = field === undefined ? 'cannot connect to the host' : 'the host refused the TLS handshake: it refuses the client certificate (or its absence)';
      fail(connectorError('ISO8583_ERR_CONNECTOR_CONNECT_FAILED', `${why} (${code ?? err.message})`, { cause: err, ...(field === undefined ? {} : { field }) }));
    };
    const refused = (cause?: Error): void =>
      fail(connectorError('ISO8583_ERR_CONNECTOR_CONNECT_FAILED', REFUSED_AT_HANDSHAKE_END, { field: tlsSourceName(o.tls, 'cert'), ...(cause === undefined ? {} : { cause }) }));
    // TLS 1.3: up at the host's first session ticket, or after TLS13_SETTLE_MS; a close before is a refusal (a byte the
    // host sends before any ticket stays in the socket's buffer for the channel).
    const settle = (tls: TLSSocket, checkedName: string): void => {
      // Node's check runs with `rejectUnauthorized` false, so that the refusal can say why (the certificate's names,
      // dates): a certificate that did not verify is refused here, before anything is written.
      if (o.tls?.rejectUnauthorized !== false && !tls.authorized) return fail(hostCertificateError(tls, checkedName, o.tls));
      if (tls.getProtocol() !== 'TLSv1.3') return ready();
      clearTimeout(timer);
      const closed = (): void => refused();
      const up = (): void => {
        tls.removeListener('session', ticket).removeListener('end', closed).removeListener('close', closed);
        // The host's end read already (its close still to come): no link to hand over, the refusal all the same.
        if (!tls.writable || tls.readableEnded) return refused();
        ready();
      };
      // Not within the `session` event: it is emitted inside OpenSSL's read, where a write is lost.
      const ticket = (): void => void setImmediate(up);
      // Within what is left of `connectTimeout`: a connect never takes longer than the caller allowed.
      settling = setTimeout(up, Math.max(0, Math.min(TLS13_SETTLE_MS, o.connectTimeout - (performance.now() - startedAt))));
      // The host's end (its FIN read) comes before the socket's close: either, before the link is up, is the refusal.
      tls.once('session', ticket).once('end', closed).once('close', closed);
    };
    // A TLS option Node cannot use (a key that does not parse) throws here: the same coded failure, no socket.
    try {
      if (o.tls !== undefined) {
        const named = o.tls.servername;
        socket = tlsConnect({
          host: o.host,
          port: o.port,
          // Not `ca`, `cert`, `key`: Node keeps its connect options on the socket, where util.inspect shows the key.
          secureContext: secureContextOf(o.tls),
          // No SNI for an IP address, the certificate checked against it all the same (its IP SAN): tls-options.ts.
          ...tlsNames(o.host, named),
          rejectUnauthorized: false, // checked at `secureConnect` (settle), unless `o.tls.rejectUnauthorized` is false
        });
        socket.once('connect', () => (tcpUp = true));
        socket.once('secureConnect', () => settle(socket as TLSSocket, named ?? o.host));
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
