/**
 * Who may use the HTTP port: with a token (`--http-token TOKEN` or `--http-token-file FILE`), every route (the
 * connector's API, `/stats`, `/metrics`, the console and its event stream) asks for it, as
 * `Authorization: Bearer TOKEN`, or for a browser as the console's cookie (set by the login form or by
 * `/console?token=TOKEN`). Without a token nothing is asked (the port binds 127.0.0.1 by default). Tokens are
 * compared in constant time and never logged; the cookie holds a session (session.ts: an expiry and a MAC keyed by a
 * digest of the token), never the token. `POST /console/logout` ends the session.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readFlagFileFirstLine } from '../read-file.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bodyProblem, crossSiteError, noteFailedAnswer, noteRouteFailure } from '@iso8583/connector';
import { cliError } from '../args.js';
import { CONSOLE_UNEXPECTED, consoleError } from './errors.js';
import { pageHeaders } from './headers.js';
import { loginPage } from './login-page.js';
import { unknownHostName } from '../http/known-host.js';
import { TrustedProxies } from '../http/trusted-proxies.js';

/** The content type of the sign-in form. */
const FORM = 'application/x-www-form-urlencoded';

/** The most bytes of a sign-in form read: 4096 (a token is far shorter). */
const FORM_LIMIT = 4096;

/** Whether the request's body is typed as the sign-in form (its media type, parameters and case aside). */
function isForm(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() === FORM;
}

/**
 * Whether the request names a content type that is not the sign-in form: refused 415 on `POST /console/login` in every
 * mode (a request with no `Content-Type`, a bare POST, is not: the form is answered again).
 */
function typedOtherThanForm(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && type.trim() !== '' && !isForm(request);
}

/** Whether the request's `Content-Length` announces more than `limit` bytes (no limit known: no). */
function announcedOver(request: FastifyRequest, limit: number | undefined): boolean {
  const length = Number(request.headers['content-length']);
  return limit !== undefined && Number.isFinite(length) && length > limit;
}

import { ConsoleSessions, sessionCookieName } from './session.js';
import type { ConsoleSessionOptions } from './session.js';
import { SignInGuard } from './guard.js';
import { SignInLog, noteAuthorization } from './audit.js';
import type { Logger } from 'pino';
import type { SignInGuardOptions } from './guard.js';

/** The digest both sides of a comparison are reduced to: equal lengths, so `timingSafeEqual` applies. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether `given` is `expected`, in time that does not depend on where they differ. */
export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The most bytes of `--http-token-file` read for its first line: 4096 (a token is far shorter). */
export const TOKEN_FILE_LIMIT = 4096;

/**
 * Whether `token` can be sent in an HTTP header as it is: printable ASCII, `!` to `~` (0x21-0x7E), with single spaces
 * inside (`open sesame`: a bearer header and the sign-in form carry them), nothing else. Node reads a header's bytes
 * as Latin-1 while a client sends UTF-8 (curl), so a token beyond ASCII could never match a bearer header, and every
 * try would count towards its address's lockout; a tab or a line end cannot travel in a header. The one rule of
 * every token read here (already trimmed).
 */
function isHeaderToken(token: string): boolean {
  return /^[\x21-\x7E]+(?: [\x21-\x7E]+)*$/.test(token);
}

/** How the errors of {@link readHttpToken} name the token's two settings (their `field` is always the flag). */
export interface TokenNames {
  /** The token given as it is. Default `--http-token`. */
  token: string;
  /** The file holding it. Default `--http-token-file`. */
  file: string;
}

/** The flags alone: what `run`, `transactions` and the flows have (no config file). */
const FLAG_NAMES: TokenNames = { token: '--http-token', file: '--http-token-file' };

/** The gateway's words: the flag, or its config file key (`httpToken`, `httpTokenFile`). */
export const GATEWAY_TOKEN_NAMES: TokenNames = { token: '--http-token (config key httpToken)', file: '--http-token-file (config key httpTokenFile)' };

/**
 * The token from `--http-token` or `--http-token-file` (its first line, read up to {@link TOKEN_FILE_LIMIT} bytes,
 * trimmed), for the gateway's config keys `httpToken` and `httpTokenFile` too; both at once, an empty token, a file
 * that cannot be read, a first line longer than the limit, or a token that is not printable ASCII (`!` to `~`: a header
 * carries no other) is a coded error naming the flag (never showing the token), in the words of `names` (default the
 * flags alone; the gateway's {@link GATEWAY_TOKEN_NAMES} name its config keys too). Default: none.
 */
export function readHttpToken(token: string | undefined, tokenFile: string | undefined, names: TokenNames = FLAG_NAMES): string | undefined {
  if (token !== undefined && tokenFile !== undefined) {
    throw cliError('ISO8583_ERR_CLI_OPTION', `${names.token} and ${names.file} say the same thing: give one`, '--http-token-file');
  }
  if (tokenFile !== undefined) {
    const line = readFlagFileFirstLine(tokenFile, '--http-token-file', TOKEN_FILE_LIMIT);
    if (line === undefined) {
      throw cliError('ISO8583_ERR_CLI_OPTION', `${names.file}: the first line of ${tokenFile} is longer than ${TOKEN_FILE_LIMIT} bytes: give the token alone on it`, '--http-token-file');
    }
    const first = line.trim();
    if (first === '') throw cliError('ISO8583_ERR_CLI_OPTION', `${names.file}: ${tokenFile} holds no token on its first line`, '--http-token-file');
    if (!isHeaderToken(first)) {
      throw cliError('ISO8583_ERR_CLI_OPTION', `${names.file}: the token on the first line of ${tokenFile} holds a character outside printable ASCII (! to ~, single spaces inside), which an HTTP header cannot carry as given`, '--http-token-file');
    }
    return first;
  }
  if (token === undefined) return undefined;
  if (token.trim() === '') throw cliError('ISO8583_ERR_CLI_OPTION', `${names.token} is empty`, '--http-token');
  if (!isHeaderToken(token.trim())) {
    throw cliError('ISO8583_ERR_CLI_OPTION', `${names.token}: the token holds a character outside printable ASCII (! to ~, single spaces inside), which an HTTP header cannot carry as given`, '--http-token');
  }
  return token.trim();
}

/** The value of cookie `name` in a `Cookie` header. */
function cookieOf(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Whether the request's credentials still hold, by request: set for a request the token hook let through, read by
 * long answers (the console's event stream ends when its session expires or signs out). No entry: nothing asked.
 */
const stillAuthorized = new WeakMap<IncomingMessage, () => boolean>();

/** Whether the credentials `request` came with still hold (always, on a port that asks for no token). */
export function credentialsHold(request: IncomingMessage): boolean {
  return stillAuthorized.get(request)?.() ?? true;
}

/** The token of an `Authorization: Bearer TOKEN` header, or `undefined` when the request has none. */
function bearerOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  return typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '') : undefined;
}

/** Whether a request carries a live session cookie; what says it still does, or `undefined`. */
function sessionOf(request: FastifyRequest, sessions: ConsoleSessions): (() => boolean) | undefined {
  const cookie = cookieOf(request.headers.cookie, sessionCookieName(request.headers.host));
  return sessions.expiry(cookie) === undefined ? undefined : () => sessions.expiry(cookie) !== undefined;
}

/** The address of the peer a request came from (the socket's; a named proxy's client is read by `TrustedProxies`). */
function peerOf(request: FastifyRequest): string {
  return request.raw.socket.remoteAddress ?? '';
}

/** Whether the request came over TLS on this socket (never from `X-Forwarded-Proto`). */
function overTls(request: FastifyRequest): boolean {
  return (request.raw.socket as { encrypted?: boolean }).encrypted === true;
}

/**
 * Whether a browser says a page of another site made the request (`Sec-Fetch-Site: cross-site` or `same-site`: another
 * port of the same host is another origin): an `<img>` or a link on any page the operator opens. Such a request's
 * `?token=` is not read: compared, each wrong one would count against the operator's own address, and a page could
 * keep it (and every program behind it) locked out for as long as it stays open.
 */
function fromAnotherSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site';
}

/** The path of a request without its query. */
function pathOf(request: FastifyRequest): string {
  const url = request.url;
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The JSON body of a refusal (401 here): `{ error: { code, message } }` unless the app answers in another shape. */
export type RefusalBody = (request: FastifyRequest, err: { code: string; message: string; field?: string }) => unknown;

/** The console's shape of a refusal, `{ error: { code, message, field } }` (what its page reads). */
export const errorBody: RefusalBody = (_request, err) => ({ error: { code: err.code, message: err.message, ...(err.field === undefined ? {} : { field: err.field }) } });

/** Answers 401 with the coded error (JSON, shaped by `body`), or for the console page the login form. */
function refuse(request: FastifyRequest, reply: FastifyReply, wrong: boolean, body: RefusalBody): FastifyReply {
  const path = pathOf(request);
  reply.code(401).header('cache-control', 'no-store');
  const page = (request.method === 'GET' && (path === '/console' || path === '/console/')) || path === '/console/login';
  // The sign-in form is a page like the console's: the same headers (no frame, no sniffing, its own files only).
  if (page) return pageHeaders(reply).type('text/html; charset=utf-8').send(loginPage(wrong));
  reply.header('www-authenticate', 'Bearer realm="iso8583"');
  const err = consoleError('ISO8583_ERR_CONSOLE_UNAUTHORIZED', 'this HTTP port asks for a token: Authorization: Bearer TOKEN');
  return reply.send(body(request, { code: err.code, message: err.message }));
}

/**
 * Answers 429 `ISO8583_ERR_CONSOLE_TOO_MANY_ATTEMPTS` with `Retry-After` (whole seconds) to a peer locked out for
 * `ms` (guard.ts); the token it sent is not compared. The sign-in form's routes answer the form, saying so.
 */
function lockedOut(request: FastifyRequest, reply: FastifyReply, ms: number, body: RefusalBody, guard: SignInGuard): FastifyReply {
  guard.refused();
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  const path = pathOf(request);
  reply.code(429).header('cache-control', 'no-store').header('retry-after', String(seconds));
  const message = `too many wrong tokens from this address: try again in ${seconds} s`;
  const page = (request.method === 'GET' && (path === '/console' || path === '/console/')) || path === '/console/login';
  if (page) return pageHeaders(reply).type('text/html; charset=utf-8').send(loginPage(false, message));
  const err = consoleError('ISO8583_ERR_CONSOLE_TOO_MANY_ATTEMPTS', message);
  return reply.send(body(request, { code: err.code, message: err.message }));
}

/**
 * Puts every route of `app` behind `token` (an `onRequest` hook: call before routes and plugins are added), and adds
 * `POST /console/login` (the form) and `GET /console?token=...`, which set the session cookie and go to `/console`
 * (`?token=` is not read from a page of another site, `Sec-Fetch-Site` `cross-site` or `same-site`: see fromAnotherSite;
 * a cross-site `POST /console/login` or `/console/logout` is answered 403 `ISO8583_ERR_CONNECTOR_CROSS_SITE`, uncounted).
 * The form's content type (`application/x-www-form-urlencoded`, at most 4 KB) is read on `POST /console/login` alone:
 * on any other route a form body is what that route makes of it (SocketQueue's routes read it as JSON), never fields;
 * `POST /console/login` with another type (JSON, text, XML) is answered 415 with the form, whatever the app's parsers.
 * A sign-in that comes with a live session cookie ends that session (the browser's cookie is replaced: a sign-out
 * then ends every session of the browser). `POST /console/logout` ends the request's session (if any), clears its
 * cookie and goes to `/console` (the form), whatever its body (never read: a body no parser takes still signs out).
 * `body`: the JSON shape of a 401. Default {@link errorBody}. `sessions`: the sessions' lifetime and cookie. Default:
 * {@link ConsoleSessions}' defaults (8 hours, `Secure` over TLS only). `guard`: how wrong tokens lock their peer out
 * (guard.ts: 429 `ISO8583_ERR_CONSOLE_TOO_MANY_ATTEMPTS`). Default: {@link SignInGuard}'s defaults (5 wrong tokens in a
 * minute lock the peer out for a minute, doubling up to 15 minutes). `bound`: the address the port listens on, a `Host`
 * it knows besides IP addresses and `localhost` (http/known-host.ts): wrong tokens on any other name are counted
 * under one count per address for all such names, apart from the address's own. Default: none known besides those.
 * `proxies`: the TLS proxies in front of the port (http/trusted-proxies.ts): the wrong tokens of a request from one of
 * them count against the client its `X-Forwarded-For` names, not against the proxy's address (which every browser
 * behind it shares). Default: none (every request counted by its socket's peer, `X-Forwarded-For` never read).
 * `logger`: where each sign-in, refused sign-in (capped) and sign-out is told at `info`, coded (audit.ts). Default: none.
 */
export function requireToken(
  app: FastifyInstance,
  token: string,
  body: RefusalBody = errorBody,
  sessions: ConsoleSessionOptions = {},
  guard: SignInGuardOptions = {},
  bound: () => string | undefined = () => undefined,
  proxies: TrustedProxies = new TrustedProxies(),
  logger?: Logger,
): void {
  const live = new ConsoleSessions(token, sessions);
  const audit = new SignInLog(logger);
  const guesses = new SignInGuard(guard);
  // A token from a locked-out peer is refused unread (an answer that accepted the right one would be its oracle);
  // a wrong one counts against its peer, a right one at sign-in clears it. `undefined`: the token is right. A request
  // on a `Host` the port does not know (a DNS-rebinding page's name, or a TLS proxy's public name) is counted under its
  // address's one count for such names, apart from the address's own: such a page cannot lock the operator out, nor
  // guess on by changing the name; it is refused while either count is locked out (guard.ts).
  const check = (request: FastifyRequest, reply: FastifyReply, given: string, signingIn: boolean): FastifyReply | undefined => {
    const peer = proxies.clientOf(peerOf(request), request.headers);
    const host = unknownHostName(request.headers, bound());
    const locked = guesses.lockedFor(peer, host);
    const via = pathOf(request) === '/console/login' ? 'form' : 'link';
    if (locked > 0) {
      if (signingIn) audit.refused(peer, via, 'locked out');
      return lockedOut(request, reply, locked, body, guesses);
    }
    if (!sameToken(given, token)) {
      guesses.failed(peer, host);
      if (signingIn) audit.refused(peer, via, 'wrong token');
      return refuse(request, reply, true, body);
    }
    if (signingIn) guesses.succeeded(peer, host);
    return undefined;
  };
  const signIn = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const name = sessionCookieName(request.headers.host);
    // The new cookie replaces the browser's: the session it held ends (and its stream), or a sign-out would miss it.
    live.end(cookieOf(request.headers.cookie, name));
    audit.signedIn(proxies.clientOf(peerOf(request), request.headers), pathOf(request) === '/console/login' ? 'form' : 'link');
    return reply.code(303).header('cache-control', 'no-store').header('set-cookie', live.cookie(name, live.issue(), overTls(request))).header('location', '/console').send();
  };
  // Ends the request's session (if any), clears its cookie and goes to `/console` (the form).
  const signOut = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const name = sessionCookieName(request.headers.host);
    const cookie = cookieOf(request.headers.cookie, name);
    audit.signedOut(proxies.clientOf(peerOf(request), request.headers), live.expiry(cookie) !== undefined);
    live.end(cookie);
    return reply.code(303).header('cache-control', 'no-store').header('set-cookie', live.clearCookie(name, overTls(request))).header('location', '/console').send();
  };
  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request);
    // The form and its style sheet carry nothing but the form; signing out asks for nothing (it only ends a session).
    // Not from a page of another site (the connector's cross-site.ts: `Sec-Fetch-Site` `cross-site` or `same-site`, an
    // `Origin` not this server): refused 403 before the body is read, never compared nor counted, else a page the
    // operator opens could post wrong tokens and keep the operator's address locked out (as `?token=`, fromAnotherSite).
    if (request.method === 'POST' && (path === '/console/login' || path === '/console/logout')) {
      const err = crossSiteError(request);
      if (err !== undefined) {
        return reply.code(403).header('cache-control', 'no-store').send(body(request, { code: err.code, message: err.message, ...(err.field === undefined ? {} : { field: err.field }) }));
      }
      // Signing out reads no body: whatever comes with it (JSON that does not parse, a form over its limit, any type)
      // the session ends here, before a parser could refuse the body (400, 413, 415) and leave the session live.
      return path === '/console/logout' ? signOut(request, reply) : undefined;
    }
    if (request.method === 'GET' && path === '/console/console.css') return undefined;
    if (request.method === 'GET' && (path === '/console' || path === '/console/')) {
      const query = (request.query as Record<string, unknown> | undefined)?.token;
      // Trimmed as the flag and the file are (a token has no surrounding blanks): a pasted token keeps working.
      // Not from a page of another site: its wrong tokens would lock the operator's address out (fromAnotherSite).
      // An empty `?token=` is no token (the form is answered, nothing counted): only a token tried is a guess.
      const given = typeof query === 'string' && !fromAnotherSite(request) ? query.trim() : undefined;
      if (given !== undefined && given !== '') {
        const refused = check(request, reply, given, true);
        if (refused !== undefined) return refused;
        // Off the address bar and out of the history: the cookie carries the session from here on.
        return signIn(request, reply);
      }
    }
    const bearer = bearerOf(request);
    if (bearer !== undefined) {
      const refused = check(request, reply, bearer, false);
      if (refused !== undefined) return refused;
      stillAuthorized.set(request.raw, () => true);
      noteAuthorization(request.raw, 'bearer');
      return undefined;
    }
    // A session cookie: a MAC no guess reaches, accepted from a locked-out peer too (it tells nothing of the token).
    const holds = sessionOf(request, live);
    if (holds === undefined) return refuse(request, reply, false, body);
    stillAuthorized.set(request.raw, holds);
    noteAuthorization(request.raw, 'session');
    return undefined;
  });
  // Its own context: the form parser serves this route only (an app-wide one would turn `curl -d` bodies into fields).
  void app.register(async (login) => {
    if (login.hasContentTypeParser(FORM)) login.removeContentTypeParser(FORM);
    login.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_req, text, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(text))));
    });
    // A body Fastify refuses (a form over its limit, refused as its length is announced; a type it cannot read) is
    // refused as the console's other refusals are: coded, the form for the sign-in route, never Fastify's own JSON.
    login.setErrorHandler((err, request, reply) => {
      const { status, reason } = bodyProblem(err, request.routeOptions.bodyLimit);
      if (status === 500) {
        noteRouteFailure(request, err);
        noteFailedAnswer(request, 500, CONSOLE_UNEXPECTED.code);
        return reply.code(500).send(body(request, CONSOLE_UNEXPECTED));
      }
      // The form's limit names only a form: another body (JSON) is refused at the app's limit, which `reason` names.
      const why =
        status === 413 && isForm(request) ? `the sign-in form is larger than its limit, ${FORM_LIMIT} bytes` : status === 415 ? `the sign-in form's content type is ${FORM}` : reason;
      reply.code(status).header('cache-control', 'no-store');
      if (pathOf(request) === '/console/login') return pageHeaders(reply).type('text/html; charset=utf-8').send(loginPage(false, undefined, `body: ${why}`));
      const refused = consoleError('ISO8583_ERR_CONSOLE_INPUT', `body: ${why}`, 'body');
      return reply.send(body(request, { code: refused.code, message: refused.message, field: 'body' }));
    });
    // A body of another type is refused 415 unread, as Fastify refuses one it has no parser for, whatever parsers the
    // app added (SocketQueue's names read every type, a plain app JSON): its `token` is never read. One whose announced
    // length is over the route's limit is left to the parser, which refuses it 413 naming that limit.
    const formOnly = async (request: FastifyRequest): Promise<void> => {
      if (!typedOtherThanForm(request) || announcedOver(request, request.routeOptions.bodyLimit)) return;
      throw Object.assign(new Error('not the sign-in form'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
    };
    login.post('/console/login', { preParsing: formOnly }, async (request, reply) => {
      // Only the form is read: a body with no content type at all passes the 415 check (a bare POST) but reaches the
      // app's catch-all parser (SocketQueue's names read it as JSON), and its `token` must not sign in.
      const field = isForm(request) ? (request.body as Record<string, unknown> | undefined)?.token : undefined;
      // Trimmed as the flag and the file are: a token pasted with a blank or a line end around it is the token.
      const given = typeof field === 'string' ? field.trim() : '';
      // No token (no `token` field, an empty one, a body that is not the form) is not a guess: the form is answered
      // again and nothing is counted, or an empty submit (or a bare POST) would lock its address out.
      if (given === '') return refuse(request, reply, false, body);
      const refused = check(request, reply, given, true);
      return refused ?? signIn(request, reply);
    });
    // Answered by the hook above, its body unread (signOut): the route makes `POST /console/logout` a route, never a 404.
    login.post('/console/logout', async (request, reply) => signOut(request, reply));
  });
}
