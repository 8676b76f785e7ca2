/**
 * SocketQueue's HTTP service as its clients know it (`clientHttpServer.js`): it reads the body of every POST as JSON,
 * whatever its content type (`curl -d` sends a form type) and whatever its path, and answers any other method 405
 * `{"result":"","errors":["Method Not Allowed"]}`. With SocketQueue's names the gateway does the same: a POST to a path
 * that no route takes goes to `POST /`, a body of any content type but XML is read as JSON (`POST /raw` keeps its hex
 * text), and a request no route takes is answered 405 in the routes' shape. The body limit and the refusals of a body
 * (400 not JSON, 413 too large: body-problem.ts) are those of every other request. In SocketQueue's shape a JSON answer
 * ends with a newline, as SocketQueue wrote every one (`JSON.stringify(...) + '\n'`): a shell client that reads it a
 * line at a time (`curl ... | while read -r line`) gets its one line, where a last line without a newline is dropped.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { failureBody, parseJsonBody } from '@iso8583/connector';

/** Whether a request URL is the console's (`/console`, `/console/...`): its page reads its own answers, kept as they are. */
function consolePath(url: string): boolean {
  const path = pathOf(url);
  return path === '/console' || path.startsWith('/console/');
}

/**
 * A JSON answer's text ended with a newline, as SocketQueue's `sendReply` ended it; anything else (hex text, XML, a
 * stream, the console's answers, a text that ends with one already) as it is.
 */
function withNewline(url: string, contentType: unknown, payload: unknown): unknown {
  if (typeof payload !== 'string' || payload.endsWith('\n') || consolePath(url)) return payload;
  return typeof contentType === 'string' && contentType.startsWith('application/json') ? `${payload}\n` : payload;
}

/** The path a hex body keeps its text on (the connector plugin's `POST /raw`). */
const RAW = '/raw';

/** SocketQueue's answer to a method other than POST (`sendReply('', 405, 'Method Not Allowed')`). */
const METHOD_NOT_ALLOWED = 'Method Not Allowed';

/** The SocketQueue HTTP behaviour of one app: its `rewriteUrl` (a Fastify option) and what {@link install} adds. */
export interface SocketQueueHttp {
  /** Fastify's `rewriteUrl`: a POST to a path no POST route takes is `POST /` (the query kept). */
  rewriteUrl(req: IncomingMessage): string;
  /** Adds the body parsers, the record of POST routes and the 405 answer; before any route or plugin is registered. */
  install(app: FastifyInstance): void;
  /**
   * Fastify's `frameworkErrors` handler `handler` (a URL it cannot read), its answer a line ending with a newline in
   * SocketQueue's shape as the routes' are: such a request reaches no hook that would end it.
   */
  lineEnded(handler: FrameworkErrors): FrameworkErrors;
  /**
   * `text`, a JSON answer to a request for `url` written without Fastify (pipeline-cap.ts's refusals), ended with a
   * newline in SocketQueue's shape as the routes' are; the console's answers, and every answer in the plain shape, as
   * they are.
   */
  jsonLine(url: string, text: string): string;
}

/** A Fastify `frameworkErrors` handler. */
type FrameworkErrors = (error: Error, request: FastifyRequest, reply: FastifyReply) => void;

/** The path of a request URL, without its query. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** A body of any content type read as JSON, but on `POST /raw` (its hex text, as before). */
function anyBody(request: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  if (request.routeOptions.url === RAW) {
    done(null, typeof body === 'string' ? body : body.toString('utf8'));
    return;
  }
  parseJsonBody(request, body, done);
}

/**
 * SocketQueue's HTTP service for an app whose failures answer in `answers`'s shape (`'socketqueue'`:
 * `{ result: "", errors: ["Method Not Allowed"] }`).
 */
export function socketQueueHttp(answers: 'plain' | 'socketqueue'): SocketQueueHttp {
  const posts = new Set<string>();
  return {
    rewriteUrl(req) {
      const url = req.url ?? '/';
      if (req.method !== 'POST' || posts.has(pathOf(url))) return url;
      const q = url.indexOf('?');
      return q < 0 ? '/' : `/${url.slice(q)}`;
    },
    lineEnded(handler) {
      if (answers !== 'socketqueue') return handler;
      return (error, request, reply) => {
        if (!consolePath(request.url)) reply.serializer((payload: unknown) => `${JSON.stringify(payload)}\n`);
        handler(error, request, reply);
      };
    },
    jsonLine(url, text) {
      return answers === 'socketqueue' ? (withNewline(url, 'application/json', text) as string) : text;
    },
    install(app) {
      app.addHook('onRoute', (route) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        if (methods.includes('POST')) posts.add(route.url);
      });
      // Child contexts (the connector plugin's routes, the console) take these when they are registered; their own
      // parsers (JSON, XML) still win for their types.
      app.removeContentTypeParser('text/plain');
      app.addContentTypeParser('text/plain', { parseAs: 'string' }, anyBody);
      app.addContentTypeParser('*', { parseAs: 'string' }, anyBody);
      // SocketQueue's answers end with a newline (the module comment); ours, with `--socketqueue-answers` off, do not.
      if (answers === 'socketqueue') {
        app.addHook('onSend', (request, reply, payload, done) => {
          done(null, withNewline(request.url, reply.getHeader('content-type'), payload));
        });
      }
      app.setNotFoundHandler((_request, reply) => {
        return reply
          .code(405)
          .header('allow', 'POST')
          .send(failureBody(answers, { code: 'ISO8583_ERR_CONNECTOR_INPUT', message: METHOD_NOT_ALLOWED }));
      });
    },
  };
}
