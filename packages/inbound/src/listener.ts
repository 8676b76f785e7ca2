// The endpoint's listening socket: the server made from the options (plain TCP, or TLS), and the listen on it.
import { constants as tlsConstants } from 'node:crypto';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Server as TlsServer } from 'node:tls';
import { codeOf, inboundError } from './errors.js';
import type { ResolvedInboundOptions } from './options.js';

/**
 * The endpoint's server, half-open connections allowed: plain TCP, or TLS when `tls` is given (client certificates
 * asked for and verified with `requestCert`; the handshake within `readTimeout`, else 120 s; no renegotiation). A TLS
 * server holds no PEM private key (see {@link withoutKey}). A TLS socket is made half-closing (`allowHalfOpen: false`)
 * and allowed half-open only once its handshake is done (`secureConnection`, the endpoint): a client that checks the
 * certificate after the handshake and refuses it (an expired one) just closes its side, and a half-open socket would
 * hold its slot, unlogged, to the first-message deadline; closed, Node reports it at once (`tlsClientError`).
 */
export function createListener(o: ResolvedInboundOptions): Server {
  return o.tls === undefined
    ? createTcpServer({ allowHalfOpen: true })
    : withoutKey(createTlsServer({
        allowHalfOpen: false,
        cert: o.tls.cert,
        key: o.tls.key,
        ...(o.tls.ca === undefined ? {} : { ca: o.tls.ca }),
        requestCert: o.tls.requestCert === true,
        rejectUnauthorized: o.tls.requestCert === true,
        handshakeTimeout: o.readTimeout > 0 ? o.readTimeout : 120000,
        // No renegotiation (TLS 1.2): a terminal never needs one, and Node lets a client run dozens of full
        // handshakes on one connection before it cuts it (ERR_TLS_SESSION_ATTACK), each costing the CPU others need.
        secureOptions: tlsConstants.SSL_OP_NO_RENEGOTIATION,
      }));
}

/**
 * `server` without its copy of the PEM private key. Node's `tls.Server` makes its secure context from its options at
 * once and keeps the key's text as its own property `key` as well (`setSecureContext`), used again only when the
 * context is made anew, which the endpoint never does; each accepted TLS socket points to its server, so a program
 * that printed one (util.inspect) or walked it wrote the key. The context made holds it in OpenSSL's memory alone.
 * (`tls.createServer` takes no ready `secureContext`, as `tls.connect` does: it makes its own from `key`.)
 */
function withoutKey(server: TlsServer): TlsServer {
  (server as TlsServer & { key?: unknown }).key = undefined;
  return server;
}

/**
 * Listens on `host`:`port`; its address once listening. A failure rejects with `ISO8583_ERR_INBOUND_LISTEN` naming
 * `host` or `port` (see {@link listenField}).
 */
export function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise<AddressInfo>((resolve, reject) => {
    const onListenError = (err: Error): void => {
      reject(inboundError('ISO8583_ERR_INBOUND_LISTEN', `cannot listen on ${host}:${port} (${codeOf(err)})`, {
        field: listenField(err),
        cause: err,
      }));
    };
    server.once('error', onListenError);
    server.listen({ host, port }, () => {
      server.off('error', onListenError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** System errors of a listen that are the address's fault (not this machine's, not a name it can resolve), not the port's. */
const HOST_ERRORS = new Set(['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAFNOSUPPORT']);

/** The option a listen failure names: `host` for an address that cannot be listened on, else `port` (in use, denied). */
function listenField(err: Error): 'host' | 'port' {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && HOST_ERRORS.has(code) ? 'host' : 'port';
}
