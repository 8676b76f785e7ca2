/**
 * A connector's run, from its one start to its one stop (connector.ts is its public face): the start opens the
 * journal (or checks that none is left unsent) and the transaction log before any connection, then the pool, and
 * resumes what an earlier run left in the SAF journal; a graceful close waits for every accepted request to settle, a
 * destroy fails them at once; either stops the SAF queue, releases the metrics and closes the pool, the terminal
 * locks and the log, once.
 */
import { Iso8583Error } from '@iso8583/codec';
import type { ConnectorParts } from './connector-parts.js';
import { connectorError } from './errors.js';
import type { Lifecycle } from './lifecycle.js';
import { TLS_CERT_VALIDITY, TLS_INSECURE, tlsInsecureWarning, tlsSourceName, tlsValidityWarnings } from './tls-options.js';
import type { ResolvedConnectorOptions } from './options.js';

/** One connector's start and stop (see the file's note). */
export class ConnectorRun {
  /** The start, once asked for (`begin`); `undefined` before. */
  starting: Promise<void> | undefined;
  /** True once started: the journal open, the pool started, what was left resumed. */
  ready = false;
  private closing: Promise<void> | undefined;
  private shuttingDown: Promise<void> | undefined;
  /** Settles when a stop (close or destroy) is asked: ends the wait for a `beforeConnect` that never settles. */
  private readonly stopAsked: Promise<void>;
  private askStop!: () => void;

  constructor(
    private readonly options: ResolvedConnectorOptions,
    private readonly lifecycle: Lifecycle,
    private readonly parts: ConnectorParts,
    /** Tells the connector's `close` listeners, once stopped. */
    private readonly closed: () => void,
  ) {
    this.stopAsked = new Promise<void>((resolve) => (this.askStop = resolve));
  }

  /** The start, begun at the first call (later calls get the same promise). */
  begin(): Promise<void> {
    this.starting ??= this.start();
    return this.starting;
  }

  /** `Connector.close`: stops taking requests, lets the accepted ones settle, then stops everything; once. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.lifecycle.to('closing');
    this.askStop();
    this.parts.factory.stop();
    this.closing = this.lifecycle.idle().then(() => this.shutdown());
    return this.closing;
  }

  /** `Connector.destroy`: every pending request fails with `err` (or `ISO8583_ERR_CONNECTOR_CLOSED`), then the stop. */
  destroy(err?: Error): Promise<void> {
    if (this.lifecycle.state === 'closed') return this.closing ?? Promise.resolve();
    const reason =
      err instanceof Iso8583Error ? err : connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector was destroyed', { cause: err });
    const { factory, pool, terminalQueue, reversals, terminalLock } = this.parts;
    this.lifecycle.to('closing');
    this.askStop();
    // Shut, not only stopped: a connect under way ends now (one finishing later is ended unused, never signed on nor
    // taken into the pool while the stop below runs); close() stops only, its drained requests may still need one.
    void factory.shut();
    pool.rejectWaiting(reason);
    terminalQueue?.rejectAll(reason);
    factory.destroyAll(reason);
    // The SAF journal at once (a store that stopped answering is cut after a short grace): the stop below then waits
    // for none of its statements (an add, an attempt being journaled).
    reversals?.abort();
    // The terminal locks too: the unlocks of the requests just failed are not waited for beyond its grace.
    void terminalLock?.destroy?.().catch(() => undefined);
    this.closing = this.shutdown();
    return this.closing;
  }

  private async start(): Promise<void> {
    const { reversals, transactions, pool, logger } = this.parts;
    this.lifecycle.to('open');
    // The journal first: a journal that cannot be opened (locked, unreadable) stops the start before any connection.
    // Reversal and SAF off: a journal folder still configured that holds what an earlier run left unsent refuses it.
    const left = reversals === undefined ? await this.parts.unsentCheck().then(() => []) : await reversals.open();
    await transactions?.log.open(); // idempotent: connectors may share one log
    if (this.lifecycle.state !== 'open') return;
    // The caller's last word, under the journal's lock, before any connection or entry goes out (a throw fails the start).
    // A stop asked meanwhile ends the wait (a hook that never settles must not hold the stop, nor the journal's lock):
    // the start then ends unstarted, and what it opened is closed.
    const hook = this.options.beforeConnect;
    if (hook !== undefined) await Promise.race([Promise.resolve().then(hook), this.stopAsked]);
    if (this.lifecycle.state !== 'open') return;
    pool.start();
    for (const { field, text } of tlsValidityWarnings(this.options.tls)) logger.warn({ code: TLS_CERT_VALIDITY, field }, text);
    // Named as the caller's setting that turned the check off (`tls.sources`: the gateway's `--tls-insecure`).
    const insecure = tlsInsecureWarning(this.options.tls);
    if (insecure !== undefined) logger.warn({ code: TLS_INSECURE, field: tlsSourceName(this.options.tls, 'rejectUnauthorized') }, insecure);
    if (left.length > 0) {
      logger.warn({ code: 'ISO8583_WARN_SAF_LEFT_UNFINISHED', entries: left.length }, 'SAF entries (reversals, advices) left unfinished by an earlier run: sending them');
      reversals?.resume(left);
    }
    this.ready = true;
  }

  private shutdown(): Promise<void> {
    this.shuttingDown ??= this.stopEverything();
    return this.shuttingDown;
  }

  private async stopEverything(): Promise<void> {
    const { factory, reversals, accounting, pool, terminalLock, transactions } = this.parts;
    factory.stop();
    // A start under way opens the journal and the log (no connection: it sees the state): let it finish, so what it
    // opens is closed here, not left open and locked.
    if (this.starting !== undefined) await this.starting.catch(() => undefined);
    await this.lifecycle.closeSaf();
    await reversals?.stop();
    this.lifecycle.to('closed');
    // Its series leave a shared Registry: a program that replaces its connector keeps no series, no memory behind.
    accounting.release();
    await pool.close();
    await terminalLock?.close();
    await transactions?.close();
    this.closed();
  }
}
