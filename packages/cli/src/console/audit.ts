/**
 * The console's audit lines: what moved money from the console, and who signed in or out, at `info` (the default
 * level), each with a code an operator can search for (docs/errors.md, docs/console.md). A line names the peer (the
 * client's address, as the token guard counts it) and how the request was let in (`bearer`, `session`, or `open` on a
 * port without a token): never the token nor the cookie, never card data (the codec's `summarize`: MTI, STAN,
 * terminal, response code). Failed sign-ins, sign-outs that held no session and sends refused before the token check
 * let them in, which any client can cause, are capped at {@link SIGN_IN_REFUSED_LINES_PER_SECOND} a second each, the next line written saying how many were left out.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Iso8583Error, summarize } from '@iso8583/codec';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { LogLimits } from '@iso8583/inbound/endpoint';
import { deliveredAtFinish } from '@iso8583/connector';
import { CONSOLE_UNEXPECTED } from './errors.js';

/** The code of the line of each console send (`POST /console/api/send`), whatever its outcome. */
export const CONSOLE_SEND_CODE = 'ISO8583_INFO_CONSOLE_SEND';
/** The code of the line of a sign-in to the console (the form, or `/console?token=`). */
export const CONSOLE_SIGN_IN_CODE = 'ISO8583_INFO_CONSOLE_SIGN_IN';
/** The code of the line of a refused sign-in (a wrong token, or one from a peer locked out). */
export const CONSOLE_SIGN_IN_REFUSED_CODE = 'ISO8583_INFO_CONSOLE_SIGN_IN_REFUSED';
/** The code of the line of a sign-out (`POST /console/logout`). */
export const CONSOLE_SIGN_OUT_CODE = 'ISO8583_INFO_CONSOLE_SIGN_OUT';

/** Refused sign-ins logged a second, at most (a brute force from many addresses): the rest counted (`suppressed`). */
export const SIGN_IN_REFUSED_LINES_PER_SECOND = 20;

/**
 * How a request was let in: a bearer token, a console session cookie, a port without a token (`open`), or not at all
 * (`none`: refused before the token check let it in).
 */
export type Authorization = 'bearer' | 'session' | 'open' | 'none';

const authorized = new WeakMap<IncomingMessage, Authorization>();

/** Notes how the token check let `raw` in (access.ts). */
export function noteAuthorization(raw: IncomingMessage, how: Authorization): void {
  authorized.set(raw, how);
}

/** How the token check let `raw` in; `tokenAsked`: whether the port asks for one (`none` then, else `open`, when it did not). */
export function authorizationOf(raw: IncomingMessage, tokenAsked: boolean): Authorization {
  return authorized.get(raw) ?? (tokenAsked ? 'none' : 'open');
}

type AnyLogger = Logger | FastifyBaseLogger;

/** What the send route knows of one send for its line: the target named, the message, the answer, the error's code. */
export interface SendAudit {
  /** The target the send went to (one of the console's targets), when the request named one that is. */
  target?: string;
  /** The message the page gave (summarized: MTI, STAN, terminal). */
  message?: MessageInput;
  /** The answer (its response code). */
  response?: IsoMessage;
}

/**
 * What is known of one send for its line, and where its line stands: `started`/`settled`, the route's handler ran /
 * ended; `finished`, its response emitted `finish`; `gone`, the response closed before it was written whole (the page
 * left); `logged`, its line is written.
 */
interface SendState extends SendAudit {
  code?: string;
  started?: boolean;
  settled?: boolean;
  finished?: boolean;
  gone?: boolean;
  logged?: boolean;
}

const sends = new WeakMap<FastifyRequest, SendState>();

/** The state of `request`'s send, made on first use. */
function stateOf(request: FastifyRequest): SendState {
  let state = sends.get(request);
  if (state === undefined) {
    state = {};
    sends.set(request, state);
  }
  return state;
}

/** Notes what the send route learnt of `request` (its target, message, answer) for its line. */
export function noteSend(request: FastifyRequest, detail: SendAudit): void {
  Object.assign(stateOf(request), detail);
}

/** Notes the error code a console answer to `request` named (the console's error handler, routes.ts). */
export function noteConsoleCode(request: FastifyRequest, code: string): void {
  stateOf(request).code = code;
}

/** The send route's hooks and its handler's wrapper that write its line ({@link sendAudit}). */
export interface SendAuditHooks {
  /** The route's `onRequest` hook: watches the response's close (a page that leaves before its answer is written). */
  onRequest: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** The route's `onResponse` hook: the line of a send whose answer was written (or failed to be). */
  onResponse: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Wraps the route's handler: a send whose page left while it ran gets its line once it ends (with its answer). */
  handler: <T>(handle: (request: FastifyRequest, reply: FastifyReply) => Promise<T>) => (request: FastifyRequest, reply: FastifyReply) => Promise<T>;
}

/**
 * The send route's line of each send, whatever its answer (refused by the token check, the body, the route; failed
 * at the bank; answered), once: at its response's end (`onResponse`), or, for a page that left before its answer was
 * written whole (a closed tab: Fastify's `onResponse` never comes then, sr68k #1), outcome `gone` once the route's
 * handler has ended (its answer, handed to the undelivered answers' handler, named by its response code), or at the
 * close when the handler never ran. A response that finished on a connection destroyed while it was written is `gone`
 * too, as the undelivered answers' watch judges it (`deliveredAtFinish`: its approval is reversed as client-gone).
 * `tokenAsked`: whether the port asks for a token. Costs one `close` and one `finish` listener a send.
 */
export function sendAudit(logger: AnyLogger, tokenAsked: boolean): SendAuditHooks {
  // A send refused before the token check let it in (`none`: anyone may post it, many a second) is capped as refused
  // sign-ins are, the next line written saying how many were left out (sr68k #2); a send let in is never capped.
  const refusedLines = new LogLimits(SIGN_IN_REFUSED_LINES_PER_SECOND);
  const write = (request: FastifyRequest, status: number | undefined): void => {
    const state = stateOf(request);
    if (state.logged === true) return;
    state.logged = true;
    const auth = authorizationOf(request.raw, tokenAsked);
    const suppressed = auth === 'none' ? refusedLines.take('send') : 0;
    if (suppressed === undefined) return;
    const { target, message, response, code } = state;
    logConsoleSend(logger, {
      peer: request.ip,
      auth,
      ...(status === undefined ? {} : { status }),
      ...(target === undefined ? {} : { target }),
      ...(message === undefined ? {} : { message }),
      ...(response === undefined ? {} : { response }),
      ...(code === undefined ? {} : { code }),
      ...(suppressed > 0 ? { suppressed } : {}),
    });
  };
  return {
    onRequest: async (request, reply) => {
      const state = stateOf(request);
      // A response that finished has its line from onResponse (Fastify runs it from 'finish'). Not
      // `writableFinished`: a response written whole through a stand-in socket (`app.inject`) closes with it false.
      reply.raw.once('finish', () => {
        state.finished = true;
      });
      reply.raw.once('close', () => {
        if (state.finished === true) return;
        state.gone = true;
        if (state.started !== true || state.settled === true) write(request, undefined);
      });
    },
    // Judged as the undelivered answers' watch judges it (one home, @iso8583/connector): a response whose connection
    // was destroyed while it was written finishes too, and its approval is reversed as client-gone (sr69r #1).
    onResponse: async (request, reply) => write(request, deliveredAtFinish(reply) ? reply.statusCode : undefined),
    handler: (handle) => async (request, reply) => {
      const state = stateOf(request);
      state.started = true;
      try {
        return await handle(request, reply);
      } catch (err) {
        // The error handler (routes.ts) notes the answer's code only after this line is written when the page has
        // gone: noted here as it notes it (a coded error's code, else the console's unexpected), never a message (sr69r #3).
        if (state.gone === true && state.code === undefined) state.code = err instanceof Iso8583Error ? err.code : CONSOLE_UNEXPECTED.code;
        throw err;
      } finally {
        state.settled = true;
        if (state.gone === true) write(request, undefined);
      }
    },
  };
}

/**
 * Writes the line of one console send: `peer`, `auth`, `target`, `mti`, `stan`, `terminal`, `status`, `outcome`
 * (`answered`, or `refused` / `failed` with the answer's `code`: the answer written; `gone`, no `status`: the page
 * left before its answer was written whole), `responseCode`. Never the body, the token, the cookie.
 */
export function logConsoleSend(logger: AnyLogger, line: { peer: string; auth: Authorization; status?: number; code?: string; suppressed?: number } & SendAudit): void {
  const asked = line.message === undefined ? {} : summarize(line.message);
  const answered = line.response === undefined ? undefined : summarize(line.response).responseCode;
  const outcome = line.status === undefined ? 'gone' : line.status < 400 ? 'answered' : line.status < 500 ? 'refused' : 'failed';
  logger.info(
    {
      code: CONSOLE_SEND_CODE,
      peer: line.peer,
      auth: line.auth,
      ...(line.target === undefined ? {} : { target: line.target }),
      ...(asked.mti === undefined ? {} : { mti: asked.mti }),
      ...(asked.stan === undefined ? {} : { stan: asked.stan }),
      ...(asked.terminal === undefined ? {} : { terminal: asked.terminal }),
      ...(line.status === undefined ? {} : { status: line.status }),
      outcome,
      ...(line.code === undefined ? {} : { error: line.code }),
      ...(answered === undefined ? {} : { responseCode: answered }),
      ...(line.suppressed === undefined ? {} : { suppressed: line.suppressed }),
    },
    line.status === undefined ? 'console send gone: the page left before its answer was written' : `console send ${outcome} (${line.status})`,
  );
}

/** The sign-in and sign-out lines of one token check (access.ts), refused sign-ins capped. */
export class SignInLog {
  private readonly refusedLines = new LogLimits(SIGN_IN_REFUSED_LINES_PER_SECOND);

  constructor(private readonly logger: AnyLogger | undefined) {}

  /** A sign-in (`via`: the form, or the `?token=` link): a session issued to `peer`. */
  signedIn(peer: string, via: 'form' | 'link'): void {
    this.logger?.info({ code: CONSOLE_SIGN_IN_CODE, peer, via }, 'console sign-in');
  }

  /** A sign-in refused: a wrong token, or one from a peer locked out (not compared). Capped. */
  refused(peer: string, via: 'form' | 'link', reason: 'wrong token' | 'locked out'): void {
    if (this.logger === undefined) return;
    const suppressed = this.refusedLines.take('refused');
    if (suppressed === undefined) return;
    this.logger.info({ code: CONSOLE_SIGN_IN_REFUSED_CODE, peer, via, reason, ...(suppressed > 0 ? { suppressed } : {}) }, `console sign-in refused: ${reason}`);
  }

  /**
   * A sign-out from `peer`: `ended`, whether it held a live session. One that held none (anyone may post it, many a
   * second) is capped as refused sign-ins are.
   */
  signedOut(peer: string, ended: boolean): void {
    if (this.logger === undefined) return;
    const suppressed = ended ? 0 : this.refusedLines.take('signed-out');
    if (suppressed === undefined) return;
    this.logger.info({ code: CONSOLE_SIGN_OUT_CODE, peer, ended, ...(suppressed > 0 ? { suppressed } : {}) }, 'console sign-out');
  }
}
