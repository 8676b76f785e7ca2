/**
 * A Fastify app with the connector's plugin and its routes at `/`, before a peer that answers every request: the XML
 * route tests' one setup. Both are closed by `t.after`.
 */
import Fastify from 'fastify';
import { iso8583Connector } from '../../src/index.js';
import { answer, startPeer } from '../peer.js';
import type { Peer } from '../peer.js';
import type { AfterHook } from './setup.js';

/** Starts the peer and the app on 127.0.0.1 port 0; answers the peer and the app's port. */
export async function routedApp(t: AfterHook): Promise<{ peer: Peer; port: number }> {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const app = Fastify({ logger: false });
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: peer.port, routes: { prefix: '' } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await app.close();
    await peer.close();
  });
  return { peer, port: (app.server.address() as { port: number }).port };
}
