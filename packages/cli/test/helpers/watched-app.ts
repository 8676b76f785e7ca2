// A Fastify app whose `GET /` answers `ok` and watches its answer's delivery as the connector's routes do
// (`watchDelivery`: on a connection in doubt an answer written whole is kept till its close, then counted undelivered
// if the close may have cut it). Shared by the HTTP doubt tests (http-doubt-budget, connection-cap-doubt-evict,
// gateway-http-evict-reader).
import { connect } from 'node:net';
import type { TestContext } from 'node:test';
import { fastify } from 'fastify';
import type { FastifyInstance } from 'fastify';
import { watchDelivery } from '@iso8583/connector';
import { within } from '@iso8583/test-support';

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

/**
 * A client that connects to the app on `port`, sends `request` and waits (within `deadline`) for its `ok`: the one a
 * capped port takes another's place for. Destroyed after the test.
 */
export async function answeredClient(t: TestContext, port: number, request: string, deadline: number): Promise<void> {
  const b = connect(port, '127.0.0.1');
  b.on('error', () => undefined);
  t.after(() => b.destroy());
  let text = '';
  const answered = new Promise<void>((resolve) => b.setEncoding('latin1').on('data', (c: string) => {
    text += c;
    if (text.includes('ok')) resolve();
  }));
  b.write(request);
  await within(answered, deadline, 'B answered');
}
