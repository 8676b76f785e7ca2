/**
 * A connector run as an application holds it: the one home of how the Fastify plugin (fastify-plugin.ts) and the
 * gateway's upstreams start, connect and close a connector. Its journal is opened (locked, read) before the start goes
 * on: one in use, or unreadable, is the start's error, which no retry cures. Then it connects, retrying with backoff on
 * its own (each failed attempt is the connector's own `connection failed` line); a first attempt that fails is not
 * thrown. Its close waits for the work it is held for (`holdUntil`: a stop's clients, its SAF drain) where the holder
 * gives one: the gateway's first upstream with HTTP off and its other upstreams; the plugin gives none, and with HTTP
 * on the gateway's HTTP app holds its first upstream by its own close hook (cli/src/http/app.ts).
 */
import type { Iso8583Error } from '@iso8583/codec';
import type { Logger } from 'pino';
import { createConnector } from './connector.js';
import type { Connector } from './connector.js';
import type { ConnectorOptions } from './options.js';

/** A connector as an application starts, connects and closes it: {@link holdConnector}. */
export interface HeldConnector {
  /** The connector. */
  readonly connector: Connector;
  /**
   * Resolves once the connector has started (`Connector.started`: with reversal on, its journal open and locked);
   * rejects with the journal's error (`ISO8583_ERR_CONNECTOR_JOURNAL`, `ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED`).
   */
  start(): Promise<void>;
  /**
   * Connects in the background, retrying with backoff until it is up; a first attempt that fails is logged at `warn`
   * (`connector not connected yet`, the connector's name and the error's code) to the logger given, if any.
   */
  connect(): void;
  /** {@link HeldConnector.close} closes the connector only once `work` (the last given before close) has settled. Default: nothing held. */
  holdUntil(work: Promise<unknown>): void;
  /** Closes the connector once what it is held for has settled (a failure of that work is not this close's). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A connector made of `options` (named by `options.name`, default `default`), held as {@link HeldConnector} says.
 * `logger`: where a first connect that fails is logged besides the connector's own line (the plugin's app logger);
 * default none.
 */
export function holdConnector(options: ConnectorOptions, logger?: Pick<Logger, 'warn'>): HeldConnector {
  const connector = createConnector(options);
  let held: Promise<unknown> = Promise.resolve();
  let closing: Promise<void> | undefined;
  return {
    connector,
    start: () => connector.started(),
    connect: () => {
      connector.connect().catch((err: Iso8583Error) => logger?.warn({ connector: connector.name, code: err.code }, 'connector not connected yet'));
    },
    holdUntil: (work) => {
      held = work;
    },
    close: () => {
      closing ??= (async () => {
        await held.catch(() => undefined);
        await connector.close();
      })();
      return closing;
    },
  };
}
