/**
 * An exclusive pool of one connection with SAF on, for the tests of who gets that connection first when SAF attempts
 * and online requests wait for it: the connector, and the online purchase they send.
 */
import type { IsoMessage } from '@iso8583/codec';
import type { Connector } from '../../src/index.js';
import type { Peer } from '../peer.js';
import { connectorFor, tempDir } from './setup.js';
import type { AfterHook } from './setup.js';

/** An online purchase of 10.00 from terminal TERM0002, test card 4111111111111111, STAN 399999 (a new object). */
export function onlinePurchase(): IsoMessage {
  return { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1121103000', 11: '399999', 41: 'TERM0002', 49: '840' };
}

/**
 * A connector to `peer` on an exclusive pool of one connection (a borrower waits up to 60 s, a request 30 s), SAF on
 * with its file journal in a fresh folder `iso8583-<prefix>-…` (each entry's first attempt at once, no retry within a
 * test), no transaction log; connected, and destroyed after the test.
 */
export async function exclusiveSafConnector(t: AfterHook, peer: Peer, prefix: string): Promise<Connector> {
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    mode: 'exclusive',
    pool: { min: 1, max: 1, acquireTimeout: 60_000 },
    requestTimeout: 30_000,
    saf: { enabled: true, journalDir: tempDir(t, prefix), initialDelay: 0, retryInterval: 600_000 },
    transactionLog: false,
  });
  await connector.connect();
  return connector;
}
