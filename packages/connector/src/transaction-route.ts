/**
 * `GET /transactions?stan=&terminal=&rrn=&from=&to=&limit=&before=`: the transaction log queried over HTTP, newest
 * first, in the routes' `{ result, errors }` shape, with `next` when the page is full: the cursor to give as `before`
 * (with the same filters) for the records after it. A bad parameter answers 400
 * `ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY` naming it; a log that cannot be read answers 503
 * `ISO8583_ERR_CONNECTOR_TRANSACTION_LOG` (the file store), `ISO8583_ERR_CONNECTOR_STORE` (PostgreSQL). Records carry the PAN
 * masked and nothing of tracks, PIN blocks, field 55 or field 48 (they never held them). A query reads the log on the
 * event loop that answers every request: at most {@link MAX_CONCURRENT_TRANSACTION_QUERIES} of one log are answered at
 * once, by every route over it; one more is refused 503 `ISO8583_ERR_CONNECTOR_TRANSACTION_BUSY` with `Retry-After: 1`,
 * nothing read.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { connectorError } from './errors.js';
import { errorJson, httpStatusOf } from './fastify-plugin.js';
import { noteFailedAnswer } from './route-failure.js';
import type { TransactionLog } from './transaction-log.js';
import { parseTransactionQuery } from './transaction-query.js';

/** How many queries of one transaction log the routes answer at once (default of `maxConcurrentQueries`): 2. */
export const MAX_CONCURRENT_TRANSACTION_QUERIES = 2;

/** The queries being answered, per log (shared by every route over the log). */
const running = new WeakMap<TransactionLog, number>();

/** Options of {@link transactionRoute}. */
export interface TransactionRouteOptions {
  /** How many queries of one log are answered at once; one more is refused 503. Default {@link MAX_CONCURRENT_TRANSACTION_QUERIES} (2). */
  maxConcurrentQueries?: number;
}

/** Mounts `GET {path}` on `app`, answering from the log that `log()` gives at each request (none: 404). */
export function transactionRoute(app: FastifyInstance, path: string, log: () => TransactionLog | undefined, options: TransactionRouteOptions = {}): void {
  const max = options.maxConcurrentQueries ?? MAX_CONCURRENT_TRANSACTION_QUERIES;
  app.get(path, async (request: FastifyRequest, reply: FastifyReply) => {
    const target = log();
    if (target === undefined) {
      reply.code(404);
      return reply.send({ result: null, errors: [{ code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', message: 'transactionLog: no transaction log is kept' }] });
    }
    const busy = running.get(target) ?? 0;
    let counted = false;
    try {
      const query = parseTransactionQuery((request.query ?? {}) as Record<string, unknown>);
      if (busy >= max) {
        reply.header('retry-after', '1');
        throw connectorError('ISO8583_ERR_CONNECTOR_TRANSACTION_BUSY', `transactionLog: ${busy} queries of the log are being answered (at most ${max} at once); ask again`);
      }
      running.set(target, busy + 1);
      counted = true;
      const page = await target.query(query);
      // The cursor of the next page, when the page is full: `?before=<next>` with the same filters reads on.
      return reply.send(page.next === undefined ? { result: page, errors: [] } : { result: page, next: page.next, errors: [] });
    } catch (err) {
      const status = httpStatusOf(err);
      const told = errorJson(err);
      noteFailedAnswer(request, status, String(told.code));
      reply.code(status);
      return reply.send({ result: null, errors: [told] });
    } finally {
      if (counted) running.set(target, (running.get(target) ?? 1) - 1);
    }
  });
}
