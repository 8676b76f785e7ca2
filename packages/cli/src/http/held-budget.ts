/**
 * A budget across one HTTP server on the requests the pipelining bound (pipeline-cap.ts) holds back: parsed, waiting
 * for an earlier request of their connection to be answered. Node parses a whole read of a connection at once (64 KB:
 * some 1,400 tiny pipelined requests), and each request parsed is kept in memory (about 5 KB of heap each) until it
 * is answered or its connection goes. A client that pipelines requests and never reads its answers has its answers
 * wait for it for ever, and so the requests behind them: about 7 MB of heap per connection, which at the connection cap
 * (1000) is several GB, and a few such clients took the process, and every other client with it.
 *
 * So once more than `max` requests are held back across the server, the connection holding the most of them whose
 * every request handed to the routes is answered ({@link answered}: its answers made whole, waiting only for its
 * client to read them; no route running, nothing at the bank) is closed, and the next heaviest while still over. Its
 * held-back requests had no route run, so nothing is lost by them; an answer made and not read is cut with the
 * connection, as for any client gone (the routes reverse an approval whose answer was not written whole). A connection
 * with a route running (a payment at the bank) is never closed here: while every connection over the budget has one,
 * nothing is closed, and the next request held back looks again, or a timer ({@link HELD_BACK_RECHECK}) once the
 * routes may have answered. Held back, the count is of requests, not bytes: tiny requests
 * cost the most heap for the bytes sent (a request with large headers fills a read with fewer of them).
 *
 * The same budget, counted in bytes ({@link HeldBudget.add}'s `n`) and letting a connection go by
 * {@link HeldBudgetOptions.close}, bounds the request bodies arriving across a port (body-budget.ts): the body holding
 * the most is refused, not the newcomer.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { cliError } from '../args.js';

/** The default budget of requests held back across the HTTP port (`--http-max-held-back`): 16384 (about 80 MB). */
export const DEFAULT_HTTP_MAX_HELD_BACK = 16_384;

/**
 * How long after finding the server over the budget with no connection it may close (each with a route running, or
 * whose routes answer in a later turn, as Fastify's do) it looks again, unless a request held back looks first: 1000 ms.
 */
export const HELD_BACK_RECHECK = 1_000;

/** The option that sets the budget, named by its log line and its validation: the gateway's flag. */
export const HELD_BACK_OPTION = '--http-max-held-back';

/** The same option of a flow (`iso8583 run`): its FLOW.json path. */
export const FLOW_HELD_BACK_OPTION = '/http/maxHeldBack';

/** A connection closed by the budget, as told to {@link HeldBudgetOptions.onClose}. */
export interface HeldBackClose {
  /** The connection closed (its close begun already: {@link HeldBudgetOptions.close}). */
  readonly socket: Socket;
  /** The requests it held back. */
  readonly heldBack: number;
  /** The requests held back across the server when it was closed, its own included. */
  readonly total: number;
  /** The budget ({@link HeldBudgetOptions.max}). */
  readonly max: number;
}

/** Options of {@link heldBudget}. */
export interface HeldBudgetOptions {
  /** Requests held back at once across the server before a connection is closed. Default {@link DEFAULT_HTTP_MAX_HELD_BACK}. */
  readonly max?: number;
  /** Told of each connection closed (for the log line); default: nothing. */
  readonly onClose?: (closed: HeldBackClose) => void;
  /**
   * How a connection over the budget is closed; default: destroyed. The HTTP port's closes it without a reset of the
   * answers handed to the system (answered-close.ts, `closeAnswered`).
   */
  readonly close?: (socket: Socket) => void;
}

/** The budget of one server, kept by the pipelining bound. */
export interface HeldBudget {
  /** Requests held back at once across the server before a connection is closed ({@link HeldBudgetOptions.max}). */
  readonly max: number;
  /** Requests held back now across the server (those of connections closed by it no longer count). */
  readonly total: number;
  /** Connections closed by it so far. */
  readonly closed: number;
  /** `n` (default 1) more requests held back on `socket`. */
  add(socket: Socket, n?: number): void;
  /** `n` (default 1) requests of `socket` handed on (or dropped: its connection went); at most what it holds. */
  remove(socket: Socket, n?: number): void;
  /** Closes the heaviest connections `closable` allows while over the budget (see the file's note). */
  settle(closable: (socket: Socket) => boolean): void;
}

/**
 * `max` as a budget: an integer of at least 1; else `ISO8583_ERR_CLI_OPTION` naming `option` (default
 * {@link HELD_BACK_OPTION}).
 */
export function requireHeldBackMax(max: unknown, option = HELD_BACK_OPTION): number {
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1) {
    throw cliError('ISO8583_ERR_CLI_OPTION', `${option} must be an integer >= 1 (requests held back across the HTTP port), not ${String(max)}`, option);
  }
  return max;
}

/** A budget of `options.max` requests held back across one server (see the file's note). */
export function heldBudget(options: HeldBudgetOptions = {}): HeldBudget {
  const max = requireHeldBackMax(options.max ?? DEFAULT_HTTP_MAX_HELD_BACK);
  /** Requests held back by each connection holding any, and not let go. */
  const counts = new Map<Socket, number>();
  /** Connections gone or closed here: what they still hold is not counted. */
  const gone = new WeakSet<Socket>();
  /** Connections whose `close` is listened to. */
  const watched = new WeakSet<Socket>();
  let total = 0;
  let closed = 0;
  let recheck: NodeJS.Timeout | undefined;
  const forget = (socket: Socket): void => {
    gone.add(socket);
    total -= counts.get(socket) ?? 0;
    counts.delete(socket);
  };
  return {
    max,
    get total() {
      return total;
    },
    get closed() {
      return closed;
    },
    add: (socket, n = 1) => {
      if (gone.has(socket) || socket.destroyed) return;
      // One listener per connection, however often it holds requests back and lets them go.
      if (!watched.has(socket)) {
        watched.add(socket);
        socket.once('close', () => forget(socket));
      }
      counts.set(socket, (counts.get(socket) ?? 0) + n);
      total += n;
    },
    remove: (socket, n = 1) => {
      const had = counts.get(socket);
      if (had === undefined) return;
      const less = Math.min(n, had);
      total -= less;
      if (had > less) counts.set(socket, had - less);
      else counts.delete(socket);
    },
    settle: function settle(closable) {
      while (total > max) {
        let heaviest: Socket | undefined;
        let most = 0;
        for (const [socket, n] of counts) {
          if (n > most && closable(socket)) {
            heaviest = socket;
            most = n;
          }
        }
        if (heaviest === undefined) {
          // None closable yet (a route still running, or answering in a later turn): looked at again in a while.
          recheck ??= setTimeout(() => {
            recheck = undefined;
            settle(closable);
          }, HELD_BACK_RECHECK).unref();
          return;
        }
        const before = total;
        forget(heaviest);
        closed++;
        if (options.close === undefined) heaviest.destroy();
        else options.close(heaviest);
        options.onClose?.({ socket: heaviest, heldBack: most, total: before, max });
      }
    },
  };
}

/**
 * The `onClose` of {@link HeldBudgetOptions} that logs each connection closed to `logger` at `warn`, coded
 * `ISO8583_ERR_CONSOLE_HELD_BACK` and naming `option` (default {@link HELD_BACK_OPTION}; a flow's
 * {@link FLOW_HELD_BACK_OPTION}) (its peer's address, no request of it). One line per connection closed: each took a
 * client a whole read of requests to fill.
 */
export function heldBackLog(logger: Logger | undefined, option = HELD_BACK_OPTION): (closed: HeldBackClose) => void {
  return ({ socket, heldBack, total, max }) => {
    logger?.warn({ code: 'ISO8583_ERR_CONSOLE_HELD_BACK', option, peer: socket.remoteAddress, heldBack, total, max },
      `an HTTP connection was closed: ${total} pipelined requests were held back across the port, over ${option} (${max}), and it held the most (${heldBack}) with its answers unread`);
  };
}
