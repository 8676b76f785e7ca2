/**
 * The gateway's links to its upstreams, each recording its upstream in its journal folder under the journal's lock
 * before it connects (journal-upstreams.ts): the first one's options (the HTTP app's connector plugin, or clients.ts with
 * HTTP off, makes it, named `upstream`), and the others (a group's), each a connector on the gateway's Registry under its
 * own name (label `connector`), held as the first one is (the connector's held-connector.ts: started, connected with
 * retry, closed once what it is held for has settled).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { holdConnector } from '@iso8583/connector';
import type { ConnectorOptions, HeldConnector, TransactionLog } from '@iso8583/connector';
import type { GatewayConfig } from './config.js';
import type { GatewayUpstream } from './upstreams.js';
import { upstreamOptions } from './upstream-options.js';
import { recordingUpstream } from './journal-upstreams.js';
import { settleAll } from '../settle-all.js';

/** The options of the upstream `u` (none: the lone one), recording its upstream before it connects. */
export function linkOptions(config: GatewayConfig, logger: Logger, registry: Registry, u: GatewayUpstream | undefined, recordTo: TransactionLog | false): ConnectorOptions {
  return { ...upstreamOptions(config, logger, registry, u, recordTo), ...recordingUpstream(config, u) };
}

/** The upstreams of `named` after the first, made (not started). */
export function otherUpstreams(
  config: GatewayConfig,
  logger: Logger,
  registry: Registry,
  named: readonly GatewayUpstream[] | undefined,
  recordTo: TransactionLog | false,
): HeldConnector[] {
  return (named ?? []).slice(1).map((u) => holdConnector(linkOptions(config, logger, registry, u, recordTo)));
}

/**
 * Closes each of `links` once `held` has settled, every one waited for (`settleAll`): one close that fails never cuts
 * short an upstream still draining its reversals to its bank; the first failure is the result's, once all have settled.
 */
export function closeLinksAfter(links: readonly HeldConnector[], held: Promise<unknown>): Promise<void> {
  for (const link of links) link.holdUntil(held);
  return settleAll(links.map((link) => link.close()));
}
