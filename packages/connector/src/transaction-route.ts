/**
 * `GET /transactions?stan=&terminal=&rrn=&from=&to=&limit=&before=`: the transaction log queried over HTTP, newest
 * first, in the routes' `{ result, errors }` shape, with `next` when the page is full: the cursor to give as `before`
 * (with the same filters) for the records after it. A bad parameter answers 400
 * `ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY` naming it; a log that cannot be read answers 503
 * `ISO8583_ERR_CONNECTOR_TRANSACTION_LOG` (the file store), `ISO8583_ERR_CONNECTOR_STORE` (PostgreSQL). Records carry the PAN
 * masked and nothing of tracks, PIN blocks, field 55 or field 48 (they never held them).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorJson, httpStatusOf } from './fastify-plugin.js';
import { noteFailedAnswer } from './route-failure.js';
import type { TransactionLog } from './transaction-log.js';
import { parseTransactionQuery } from './transaction-query.js';

/** Mounts `GET {path}` on `app`, answering from the log that `log()` gives at each request (none: 404). */
export function transactionRoute(app: FastifyInstance, path: string, log: () => TransactionLog | undefined): void {
  app.get(path, async (request: FastifyRequest, reply: FastifyReply) => {
    const target = log();
    if (target === undefined) {
      reply.code(404);
      return reply.send({ result: null, errors: [{ code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', message: 'transactionLog: no transaction log is kept' }] });
    }
    try {
      const query = parseTransactionQuery((request.query ?? {}) as Record<string, unknown>);
      const page = await target.query(query);
      // The cursor of the next page, when the page is full: `?before=<next>` with the same filters reads on.
      return reply.send(page.next === undefined ? { result: page, errors: [] } : { result: page, next: page.next, errors: [] });
    } catch (err) {
      const status = httpStatusOf(err);
      const told = errorJson(err);
      noteFailedAnswer(request, status, String(told.code));
      reply.code(status);
      return reply.send({ result: null, errors: [told] });
    }
  });
}
