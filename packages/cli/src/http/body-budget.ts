/**
 * A bound on the request bodies an HTTP port holds at once while they arrive, across all its connections. Each body is
 * bounded on its own (body-limit.ts: 256 KiB), and each connection's request by `requestTimeout`
 * (request-deadline.ts), but many connections each sending a body slowly up to the limit held them all: one address
 * (900 connections by default) about 230 MB, the whole port (1000) about 256 MB, for `requestTimeout` each.
 *
 * Here the bytes of the bodies being read are counted as they come (before the route's parser holds them), and given
 * back once the body has all come (its parser has it: the route runs), its request is answered (a body no route reads: the
 * rest read and thrown away uncounted) or its request is gone. A refused body never ends cleanly: no route runs on it.
 *
 * A chunk that would take the count past the budget makes room as the budget of held-back requests does
 * (held-budget.ts, here counted in bytes): the body holding the most, the newcomer's own with that chunk among them, is
 * refused, and the next heaviest while still over. A refused request is answered 503 `ISO8583_ERR_CONSOLE_BODY_BUDGET`
 * with `Retry-After` (in its turn, after the answers owed to its connection's earlier requests), its connection closed
 * (the rest of its body read and thrown away: linger-close.ts), and no route runs for it (a body counted has not all
 * come: its route has not run; nothing of it reached the bank). Refusing the newcomer instead let one client hold the
 * budget: one address, 128 connections each sending a 256 KiB body slowly, and every payment of the other clients was
 * refused for as long as it liked. An honest message is a few KiB and comes at once: it is never the body holding the
 * most while one that large is still arriving, and is served while the bodies arriving at once stay under the budget
 * (connections x payment size: at 32 MiB, some 8,200 payments of 4 KiB arriving together, possible only with
 * --http-max-connections raised past that, pass it with no slow body, and the heaviest of them are refused). Every
 * request without a body goes on unharmed. Finding the heaviest scans every connection with a body partly in
 * (held-budget.ts settle), once per chunk that takes the count over: O(connections) per refusal, nothing at the
 * default cap (1000), a CPU cost under a flood at --http-max-connections of tens of thousands.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { cliError } from '../args.js';
import { heldBudget } from './held-budget.js';
import { takeFailedLine } from './refused-lines.js';

/** Seconds a client refused over the budget is asked to wait before it sends again (`Retry-After`): 1. */
export const BODY_BUDGET_RETRY_AFTER = 1;

const CODE = 'ISO8583_ERR_CONSOLE_BODY_BUDGET';

/** A port's count of the body bytes held while they arrive. */
export interface BodyBudget {
  /** Body bytes held now. */
  readonly held: number;
  /** Requests refused over the budget since the start (the newcomers and the holders refused for them). */
  readonly refused: number;
}

/** How {@link budgetBodies} answers a request over the budget. */
export interface BodyBudgetOptions {
  /** Bytes held at once, an integer of at least 1. */
  max: number;
  /** Answers the request whose body arrives on `socket` (it writes on the socket and closes it). */
  refuse(socket: Socket): void;
  /** Where the refusal is logged at `warn` (capped as the request log's failures: refused-lines.ts). Default: none. */
  logger?: Logger | undefined;
  /**
   * The option that sets `max`, named in the log line and in an error of a bad `max`. Default: none (a flow's port, whose
   * budget no option sets): the log line names none, an error of a bad `max` names `bodyBudget`.
   */
  option?: string | undefined;
}

/** Whether `req` comes with a body: a `Content-Length` above 0, or a `Transfer-Encoding` (chunked). */
function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  return Number(req.headers['content-length'] ?? 0) !== 0;
}

/**
 * Bounds the bodies of every route of `app` (call before its plugins are registered: Fastify's `preParsing` hook) to
 * `options.max` bytes held at once while they arrive; see the file's note. A `max` that is not an integer of at least
 * 1 is `ISO8583_ERR_CLI_OPTION` naming `options.option`.
 */
export function budgetBodies(app: FastifyInstance, options: BodyBudgetOptions): BodyBudget {
  const option = options.option ?? 'bodyBudget';
  const max = options.max;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw cliError('ISO8583_ERR_CLI_OPTION', `${option} must be an integer >= 1 (bytes of request bodies arriving across the HTTP port), not ${String(max)}`, option);
  }
  let refused = 0;
  /** How to refuse the body arriving on each connection counted (one at a time: HTTP/1.1 sends them in turn). */
  const refusers = new Map<Socket, () => void>();
  const budget = heldBudget({ max, close: (socket) => refusers.get(socket)?.() });
  const closable = (socket: Socket): boolean => refusers.has(socket);
  app.addHook('preParsing', (request, reply, payload, done) => {
    const req = request.raw;
    const socket = req.socket;
    if (!hasBody(req)) {
      done(null, payload);
      return;
    }
    let mine = 0;
    let over = false;
    let answered = false;
    const refuse = (): void => {
      // The budget no longer counts it (held-budget.ts forgets what it lets go).
      const held = mine;
      mine = 0;
      over = true;
      refusers.delete(socket);
      refused += 1;
      refusedLine(options, req, budget.total, held);
      options.refuse(socket);
    };
    const giveBack = (): void => {
      budget.remove(socket, mine);
      mine = 0;
      if (refusers.get(socket) === refuse) refusers.delete(socket);
    };
    refusers.set(socket, refuse);
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        if (over || answered) {
          callback();
          return;
        }
        mine += chunk.length;
        budget.add(socket, chunk.length);
        // Past the budget, the bodies holding the most are refused, this one too if it does (refuse(), above).
        if (budget.total > max) budget.settle(closable);
        callback(null, over ? undefined : chunk);
      },
      flush(callback: TransformCallback) {
        giveBack();
        // A refused body never ends cleanly: the chunks read before its refusal may make whole JSON (a chunked body has
        // no Content-Length to tell it short), and its route must not run on them (its client reads "nothing was sent
        // on"). Its parser fails instead, its answer the refusal already written.
        callback(over ? refusedError() : undefined);
      },
    });
    counted.on('close', giveBack);
    // A request gone before its body came (the client went, its connection closed): nothing more comes.
    req.once('close', () => {
      giveBack();
      if (!req.complete) counted.destroy();
    });
    // A body no route reads (a GET's, a 404's) was held counted for the life of a keep-alive connection: once its request
    // is answered its bytes are given back, and the rest of it read and thrown away uncounted.
    const stop = (): void => {
      if (answered) return;
      answered = true;
      giveBack();
      if (req.complete) return;
      payload.unpipe(counted);
      counted.destroy();
      payload.resume();
    };
    reply.raw.once('finish', stop);
    reply.raw.once('close', stop);
    payload.pipe(counted);
    done(null, counted);
  });
  return {
    get held() {
      return budget.total;
    },
    get refused() {
      return refused;
    },
  };
}

/** The error a refused body's stream ends in, so that its parser never hands a route what it read before the refusal. */
function refusedError(): Error {
  return Object.assign(new Error('the request body was refused over the port\'s body budget'), { code: CODE, statusCode: 503 });
}

/**
 * The `warn` line of a request refused over the budget (`held` bytes held across the port after it, `body` its own
 * bytes counted), capped as the request log's failed requests (refused-lines.ts: 20 a second, then one line saying how
 * many were left out), never its URL nor its body; the option that sets the budget when one does.
 */
function refusedLine(options: BodyBudgetOptions, req: IncomingMessage, held: number, body: number): void {
  const logger = options.logger;
  if (logger === undefined) return;
  const suppressed = takeFailedLine(logger, 503, CODE);
  if (suppressed === undefined) return;
  logger.warn(
    {
      code: CODE,
      method: req.method,
      peer: req.socket.remoteAddress,
      held,
      body,
      max: options.max,
      ...(options.option === undefined ? {} : { option: options.option }),
      ...(suppressed > 0 ? { suppressed } : {}),
    },
    'a request body refused: the bodies arriving held the port\'s budget and it held the most',
  );
}
