/**
 * A SAF backlog to a host that is down, for the tests of what its attempts log: a connector to a port nothing listens
 * on with advices queued in its file journal, their first attempts sent at once, and how many lines they wrote.
 */
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { Connector } from '../../src/index.js';
import { advice } from './reversals.js';
import { capturedLogger, connectorFor, downPort, safEventSpan, tempDir } from './setup.js';
import type { AfterHook } from './setup.js';

/** What {@link backlogToDownHost} made. */
export interface SafBacklog {
  /** The SAF journal's folder. */
  dir: string;
  /** The lines the connector logged (at warn and above). */
  lines: Record<string, unknown>[];
  /** The connector, started; closed after the test. */
  connector: Connector;
}

/**
 * A connector to a port nothing listens on (every connect refused), logging at warn into `lines`, whose SAF journal
 * (a fresh folder `iso8583-<prefix>-…`) holds `entries` advices, STANs from `firstStan` on, none attempted yet (their
 * first attempt a minute away, as their retries).
 */
export async function backlogToDownHost(t: AfterHook, prefix: string, entries: number, firstStan: number): Promise<SafBacklog> {
  const port = await downPort(t); // nothing listens: every connect is refused
  const dir = tempDir(t, prefix);
  const { logger, lines } = capturedLogger('warn');
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port,
    requestTimeout: 2_000,
    reconnect: { initialDelay: 10, maxDelay: 20 },
    logger,
    saf: { enabled: true, journalDir: dir, initialDelay: 60_000, retryInterval: 60_000 },
    transactionLog: false,
  });
  connector.connect().catch(() => undefined);
  await connector.started();
  for (let i = 0; i < entries; i++) await connector.request(advice(String(firstStan + i)), { saf: true });
  return { dir, lines, connector };
}

/**
 * Sends every entry's first attempt now (`flushSaf`, which must take all `entries`): each fails and waits for its retry.
 * Resolves (within 30 s) once each has: the times of the first and the last "waiting" event.
 */
export async function firstAttempts(connector: Connector, entries: number): Promise<{ first: number; last: number }> {
  const all = safEventSpan(connector, 'waiting', entries);
  assert.equal(connector.flushSaf(), entries);
  return within(all, 30_000, `a "waiting" event for each of the ${entries} entries`);
}

/** How many events `lines` account for: each line one, and those it says were left out before it (`suppressed`). */
export function accountedFor(lines: Record<string, unknown>[]): number {
  return lines.reduce((n, l) => n + 1 + (typeof l.suppressed === 'number' ? l.suppressed : 0), 0);
}
