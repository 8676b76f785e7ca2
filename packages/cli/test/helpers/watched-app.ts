// A Fastify app whose `GET /` answers `ok` and watches its answer's delivery as the connector's routes do
// (`watchDelivery`: on a connection in doubt an answer written whole is kept till its close, then counted undelivered
// if the close may have cut it). Shared by the HTTP doubt tests (http-doubt-budget, connection-cap-doubt-evict,
// gateway-http-evict-reader).
import { fastify } from 'fastify';
import type { FastifyInstance } from 'fastify';
import { watchDelivery } from '@iso8583/connector';

/** The app, and its counts so far: requests its route ran for, answers counted undelivered. */
export interface WatchedApp {
  readonly app: FastifyInstance;
  readonly counts: { routed: number; undelivered: number };
}

/** Makes the app (not listening yet: the test adds its hooks and caps first). */
export function watchedApp(): WatchedApp {
  const app = fastify({ logger: false });
  const counts = { routed: 0, undelivered: 0 };
  app.get('/', async (_request, reply) => {
    counts.routed++;
    watchDelivery(reply, () => {
      counts.undelivered++;
    }, () => [{}, {}, {}] as never);
    return 'ok';
  });
  return { app, counts };
}
