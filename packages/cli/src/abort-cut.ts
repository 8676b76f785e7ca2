/**
 * The cut of the clients of `iso8583 gateway` and `iso8583 run` (drain.ts `AbortSteps`), one for the abort and the stop
 * past its deadline (drain.ts `cutThenDestroy`): every listener and client connection closed at once, settled once the
 * inbound and HTTP connections have closed, each having reported the answers it could not deliver (an approval's
 * reversal then stored): what the links' destroy waits for. The HTTP app's close of the links is held until that
 * destroy: closed with the app, at once, they refused the reversals the cut clients store as they close
 * (`ISO8583_ERR_CONNECTOR_CLOSED`: "NOT reversed").
 */
import type { FastifyInstance } from 'fastify';
import type { AbortSteps } from './drain.js';
import type { HttpApp } from './http/app.js';
import type { ConnectionCap } from './http/connection-cap.js';

/**
 * The HTTP side a cut closes: the HTTP app and its connections (none with the gateway's HTTP off: gateway/clients.ts),
 * closed by `close` when given (default: the app's own).
 */
export interface CutHttp extends Pick<HttpApp, 'holdConnectorsUntil' | 'stopKeepAlive'> {
  readonly app?: FastifyInstance | undefined;
  readonly connections?: ConnectionCap | undefined;
  close?(): Promise<unknown>;
}

/** What the cut closes: the HTTP side, the inbound endpoints, the metrics app and the stats port (when on). */
export interface CutListeners {
  readonly http: CutHttp;
  /** Destroys the inbound endpoints (their connections cut, even with a stop's close under way); settles once they have closed. */
  readonly destroyEndpoints: () => Promise<unknown>;
  /** The gateway's metrics app. Default: none. */
  readonly metricsApp?: FastifyInstance | undefined;
  /** The gateway's stats port. Default: none. */
  readonly statsPort?: { close(): Promise<unknown> } | undefined;
}

/**
 * The links' side of a cut: the steps of an abort or of a stop past its deadline (the links held until destroyed), and
 * the hold a graceful stop puts on the HTTP app's close of them ({@link ClientsCut.hold}).
 */
export class ClientsCut {
  private begun = false;
  private markBegun: () => void = () => undefined;
  private readonly begins = new Promise<void>((resolve) => (this.markBegun = resolve));
  private markGone: () => void = () => undefined;
  /** Settles once the cut's destroy of the links has run. */
  readonly linksGone = new Promise<void>((resolve) => (this.markGone = resolve));

  /**
   * What the HTTP app's close of the links waits for in a graceful stop: `work` (its SAF drain) and `clientsDone` (the
   * clients' close: default settled; a drain bounded by its deadline may end first, and a terminal cut after it
   * reported approvals whose reversals a closing link refused), or a cut begun meanwhile (an abort, the deadline passed:
   * the end of the drain is its `beforeDestroy`); with a cut, then the links' destroy, so that the app does not start
   * their graceful close (refusing the reversals still being asked for) before it.
   */
  hold(work: Promise<unknown>, clientsDone: Promise<unknown> = Promise.resolve()): Promise<unknown> {
    return work
      .catch(() => undefined)
      .then(() => Promise.race([clientsDone.catch(() => undefined), this.begins]))
      .then(() => (this.begun ? this.linksGone : undefined));
  }

  /** The steps of the cut (drain.ts `AbortSteps`): `beforeDestroy` and `afterDestroy` (default: nothing) as given. */
  steps(parts: CutListeners, beforeDestroy: () => void | Promise<unknown>, afterDestroy?: () => Promise<unknown>): AbortSteps {
    return {
      closeListeners: () => {
        this.begun = true;
        this.markBegun();
        return cutClients(parts, this.linksGone);
      },
      beforeDestroy,
      afterDestroy: async () => {
        this.markGone();
        await afterDestroy?.();
      },
    };
  }
}

/** Closes the listeners and cuts the client connections; settles (never rejects) once the HTTP and inbound connections have closed. */
function cutClients(parts: CutListeners, linksGone: Promise<unknown>): Promise<unknown> {
  const { app, connections } = parts.http;
  parts.http.stopKeepAlive();
  parts.http.holdConnectorsUntil(linksGone);
  const httpClosed = connections?.closeAll();
  const endpointsClosed = parts.destroyEndpoints().catch(() => undefined);
  app?.server.closeAllConnections();
  parts.metricsApp?.server.closeAllConnections();
  void (parts.http.close?.() ?? app?.close())?.catch(() => undefined);
  void parts.metricsApp?.close().catch(() => undefined);
  void parts.statsPort?.close();
  return Promise.all([httpClosed, endpointsClosed]).catch(() => undefined);
}
