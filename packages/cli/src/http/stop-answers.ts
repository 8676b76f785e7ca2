/**
 * The answers of the HTTP port during a graceful stop. Once stopping, the last answer owed on a connection (the
 * requests its client sent, answered or not: owed-answers.ts) closes it (`Connection: close`), and only that one: Node
 * closes a connection once an answer saying so is written, and the answers of the requests pipelined after it (made
 * already, or still at the bank) were cut, each approval reversed while its client was connected and waiting.
 *
 * Once the app closes, a request still coming (a keep-alive client's next, one held back: pipeline-cap.ts) is refused
 * 503 `ISO8583_ERR_CONNECTOR_CLOSED`, in the port's refusal shape (refusal-body.ts), before any route: Fastify's own
 * 503 (`return503OnClosing`, turned off) had no code and not the SocketQueue shape, and its `Connection: close` on every
 * such request cut the answers of those pipelined after it.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RefusalBody } from '../console/access.js';
import { owedTo } from './owed-answers.js';

/** Whether `reply` answers the last request its connection's client has sent. */
function lastOwed(reply: FastifyReply): boolean {
  return owedTo(reply.request.raw.socket).last?.[1] === reply.raw;
}

/**
 * Adds the hooks of a stop to `app` (made with `return503OnClosing: false`), its refusals shaped by `refusal`; returns
 * what begins the stop's `Connection: close` (see the file's note).
 */
export function stopAnswers(app: FastifyInstance, refusal: RefusalBody): () => void {
  let stopping = false;
  let closing = false;
  app.addHook('onSend', async (_request, reply) => {
    // Set either way while stopping: the connector plugin's routes close on any answer once the app closes unless the
    // header is set already (plugin-route-errors.ts).
    if (stopping) reply.header('connection', lastOwed(reply) ? 'close' : 'keep-alive');
  });
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return;
    // Fastify's own, on every request arriving while it closes.
    if (!lastOwed(reply)) reply.raw.removeHeader('connection');
    return reply.code(503).send(refusal(request, { code: 'ISO8583_ERR_CONNECTOR_CLOSED', message: 'the HTTP port is closing: the request was not sent to the host' }));
  });
  return () => {
    stopping = true;
  };
}
