// A client that sends one purchase and resets its connection while the endpoint holds the message (its sequence or
// onError waiting on a gate): what a terminal that gave up does.
import type { InboundEndpoint } from '../../src/index.js';
import { TestClient, purchase } from './client.js';

/**
 * Sends purchase `stan` on a new connection to `port`, waits for `entered` (the endpoint holds it), resets the
 * connection and resolves once `endpoint` has seen it close.
 */
export async function leaveWhileHeld(endpoint: InboundEndpoint, port: number, stan: number, entered: Promise<unknown>): Promise<void> {
  const disconnected = new Promise<void>((resolve) => endpoint.once('disconnect', () => resolve()));
  const leaving = await TestClient.connect(port);
  leaving.send(purchase(stan));
  await entered;
  leaving.socket.resetAndDestroy();
  await disconnected;
}
