/**
 * A real Fastify port with the HTTP port's own pieces (capServerPipelining, boundRequests at its shortest bound,
 * answerClientError) whose `POST /slow` waits for the test's gate: what the request-bound tests pipeline behind
 * (held-deadline.test.ts, answer-in-turn.test.ts). `POST /pay` counts its runs, `GET /ping` answers at once.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fastify } from 'fastify';
import { capServerPipelining } from '../src/http/pipeline-cap.js';
import { MIN_REQUEST_DEADLINE, answerClientError, boundRequests } from '../src/http/request-deadline.js';

/** The body every test posts. */
export const BODY = '{"amount":1000}';

/** A request head for `path` with a body of `length` bytes. */
export const post = (path: string, length: number): string =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

/** A started port (see the module comment). */
export interface SlowRoutePort {
  port: number;
  /** The port's HTTP server. */
  server: Server;
  /** Opens the gate: every `/slow` answers. */
  release: () => void;
  /** How many times `/pay` ran. */
  payRan: () => number;
  /** Settles when `/slow` first runs. */
  entered: Promise<void>;
  /** Settles when Node finds a request late (`ERR_HTTP_REQUEST_TIMEOUT`): the moment a 408 was once written at once. */
  lateFound: Promise<void>;
  /** Settles when Node finds bytes that are not HTTP (`HPE_*`). */
  badFound: Promise<void>;
  /** Closes the port, the gate left as it is. */
  stop: () => Promise<void>;
  /** Opens the gate and closes the port. */
  close: () => Promise<void>;
}

/**
 * Starts a {@link SlowRoutePort}; `pipelined`: requests of one connection at the routes at a time (the port's default);
 * `bound`: the request bound (default its shortest, MIN_REQUEST_DEADLINE).
 */
export async function slowRoutePort(pipelined?: number, bound = MIN_REQUEST_DEADLINE): Promise<SlowRoutePort> {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let slowEntered: () => void = () => undefined;
  const entered = new Promise<void>((resolve) => (slowEntered = resolve));
  let pay = 0;
  const app = fastify({ logger: false, clientErrorHandler: answerClientError });
  capServerPipelining(app.server, pipelined);
  app.post('/slow', async () => {
    slowEntered();
    await gate;
    return { slow: true };
  });
  app.post('/pay', async () => {
    pay++;
    return { paid: true };
  });
  app.get('/ping', async () => ({ pong: true }));
  await app.ready();
  boundRequests(app.server, bound);
  const clientError = (matches: (code: string | undefined) => boolean): Promise<void> =>
    new Promise<void>((resolve) => {
      app.server.prependListener('clientError', (err: Error & { code?: string }) => {
        if (matches(err.code)) resolve();
      });
    });
  const lateFound = clientError((code) => code === 'ERR_HTTP_REQUEST_TIMEOUT');
  const badFound = clientError((code) => code?.startsWith('HPE_') === true);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    port: (app.server.address() as AddressInfo).port,
    server: app.server,
    release,
    payRan: () => pay,
    entered,
    lateFound,
    badFound,
    stop: () => app.close(),
    close: async () => {
      release();
      await app.close();
    },
  };
}
