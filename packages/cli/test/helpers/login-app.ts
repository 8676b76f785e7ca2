/**
 * The console's sign-in (requireToken, src/console/access.ts) on a real Fastify app on 127.0.0.1, for the tests of its
 * forms: what it counts against an address is kept for the test to read.
 */
import fastify from 'fastify';
import { errorBody, requireToken } from '../../src/console/access.js';

/** The app of {@link loginApp}. */
export interface LoginApp {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** Its port. */
  port: number;
  /** What the sign-in counted (a wrong token: 'failure'), in order. */
  counted: string[];
}

/**
 * An app whose console takes `token` (and, when `page` is true, serves `GET /console` as "the page"), listening on a
 * port of its own; closed after the test.
 */
export async function loginApp(t: { after(fn: () => unknown): void }, token: string, page = false): Promise<LoginApp> {
  const counted: string[] = [];
  const app = fastify();
  requireToken(app, token, errorBody, {}, { count: (what) => counted.push(what) });
  if (page) app.get('/console', async () => 'the page');
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const port = (app.server.address() as { port: number }).port;
  return { base: `http://127.0.0.1:${port}`, port, counted };
}
