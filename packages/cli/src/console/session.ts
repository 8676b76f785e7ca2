/**
 * The console's browser sessions: what the cookie set at sign-in holds, how long it lasts, and how it ends.
 *
 * A session is `EXPIRY.NONCE.MAC`: when it ends (ms since the epoch, base 36), 16 random bytes, and a MAC of both keyed by
 * a digest of the HTTP token. Nothing is stored to accept it, so a restart of the server with the same token keeps its
 * sessions (a stale tab reconnects), as does another server given the same token; a server given another token
 * refuses every session of the old one. Sign-out ends a session in this process (until its expiry; at most
 * {@link MAX_ENDED_SESSIONS} remembered) and clears the browser's cookie. The MAC is compared in constant time; the token itself is never in the cookie.
 */
import { createHmac, randomBytes, timingSafeEqual, createHash } from 'node:crypto';

/** The name of the console's session cookie, before its port. */
export const SESSION_COOKIE = 'iso8583_console';

/**
 * The session cookie's name for a request to `host` (its `Host` header): `iso8583_console_PORT`, or
 * `iso8583_console` without a port (80, 443). A browser keeps cookies by host, not by port: two consoles of one host
 * (a gateway and a flow, two gateways with their own tokens) would otherwise overwrite each other's session.
 */
export function sessionCookieName(host: string | undefined): string {
  const port = /:([0-9]{1,5})$/.exec(host ?? '')?.[1];
  return port === undefined ? SESSION_COOKIE : `${SESSION_COOKIE}_${port}`;
}

/** How long a session lasts after sign-in by default, in ms: 8 hours (a shift). */
export const DEFAULT_SESSION_LIFETIME = 8 * 60 * 60 * 1000;

/**
 * How far a session's expiry may lie beyond now + the lifetime and still be accepted, in ms: 1 minute (the clocks of
 * two servers given the same token, a clock set back). Beyond it, the session was issued under a longer lifetime
 * (before a restart with a shorter `--console-session-lifetime`) and is refused.
 */
export const SESSION_CLOCK_SLACK = 60_000;

/**
 * The most signed-out sessions one process remembers: 10,000 (about 1.5 MB). A signed-out session is remembered until
 * its expiry, so a script signing in and out (a token holder's) would otherwise grow the list for a whole lifetime.
 * Past it, the expired ones are forgotten; only when live sign-outs fill it is the one ending first forgotten, and every
 * session that ends no later than it is refused from then on (signed out, as it was): a sign-out is never undone, at
 * worst a session ending before it must sign in again.
 */
export const MAX_ENDED_SESSIONS = 10_000;

/** Options of {@link ConsoleSessions}. */
export interface ConsoleSessionOptions {
  /** How long a session lasts after sign-in, in ms (`--console-session-lifetime`). Default {@link DEFAULT_SESSION_LIFETIME} (8 h). */
  lifetime?: number;
  /**
   * Mark the cookie `Secure` (`--console-secure-cookie`): the browser reaches the port through a TLS-terminating
   * proxy. `X-Forwarded-Proto` is never trusted for it. A request that arrives over TLS gets `Secure` anyway.
   * Default `false`.
   */
  secureCookie?: boolean;
  /** The clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** A digest both sides of a comparison are reduced to (equal lengths, so `timingSafeEqual` applies). */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The sessions of one token: issued at sign-in, checked on each request, ended at sign-out or expiry. */
export class ConsoleSessions {
  readonly #key: Buffer;
  readonly #lifetime: number;
  readonly #secure: boolean;
  readonly #now: () => number;
  /**
   * Sessions signed out in this process, by nonce, with their expiry (ms), in the order they were signed out: forgotten
   * once expired, at most {@link MAX_ENDED_SESSIONS}.
   */
  readonly #ended = new Map<string, number>();
  /** Every session that ends at or before this (ms) is refused: the expiry of the latest one forgotten for the cap. */
  #floor = 0;

  constructor(token: string, options: ConsoleSessionOptions = {}) {
    this.#key = createHmac('sha256', token).update('iso8583 console session key').digest();
    this.#lifetime = options.lifetime ?? DEFAULT_SESSION_LIFETIME;
    this.#secure = options.secureCookie === true;
    this.#now = options.now ?? Date.now;
  }

  /** How long a session lasts, in ms. */
  get lifetime(): number {
    return this.#lifetime;
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }

  /** A new session's cookie value. */
  issue(): string {
    const expiry = this.#now() + this.#lifetime;
    const body = `${expiry.toString(36)}.${randomBytes(16).toString('base64url')}`;
    return `${body}.${this.#mac(body)}`;
  }

  /**
   * When the session `value` ends (ms since the epoch), or `undefined` when it is not a live session of this token: its
   * MAC is wrong, it expired, it was signed out here, or it ends later than this lifetime allows from now (issued under
   * a longer lifetime, before a restart with a shorter one; {@link SESSION_CLOCK_SLACK} allowed).
   */
  expiry(value: string | undefined): number | undefined {
    if (value === undefined) return undefined;
    const last = value.lastIndexOf('.');
    if (last < 0) return undefined;
    const body = value.slice(0, last);
    if (!timingSafeEqual(digest(value.slice(last + 1)), digest(this.#mac(body)))) return undefined;
    const [expiryText, nonce] = body.split('.');
    const expiry = parseInt(expiryText ?? '', 36);
    const now = this.#now();
    if (!Number.isSafeInteger(expiry) || nonce === undefined || expiry <= now || expiry > now + this.#lifetime + SESSION_CLOCK_SLACK) return undefined;
    return expiry <= this.#floor || this.#ended.has(nonce) ? undefined : expiry;
  }

  /** How many signed-out sessions this process remembers (at most {@link MAX_ENDED_SESSIONS}). */
  get signedOut(): number {
    return this.#ended.size;
  }

  /**
   * Ends the session `value` in this process (sign-out); a value that is not a live session is ignored. The expired
   * ones are forgotten from the oldest sign-out on (sessions are signed out about in the order they end: the sweep
   * stops at the first still live, a constant cost a sign-out). Past {@link MAX_ENDED_SESSIONS} every expired one is
   * forgotten first (one pass over the list, only at the cap: sign-outs do not come in expiry order, so expired ones
   * can wait behind a live one); only when live sign-outs still fill it is the one ending first forgotten, its expiry
   * then the floor below which every session is refused (the lowest floor the cap allows).
   */
  end(value: string | undefined): void {
    const until = this.expiry(value);
    if (until === undefined) return;
    const now = this.#now();
    for (const [nonce, expiry] of this.#ended) {
      if (expiry > now) break;
      this.#ended.delete(nonce);
    }
    this.#ended.set((value as string).split('.')[1] as string, until);
    if (this.#ended.size <= MAX_ENDED_SESSIONS) return;
    let first: [string, number] | undefined;
    for (const [nonce, expiry] of this.#ended) {
      if (expiry <= now) this.#ended.delete(nonce);
      else if (first === undefined || expiry < first[1]) first = [nonce, expiry];
    }
    if (this.#ended.size <= MAX_ENDED_SESSIONS || first === undefined) return;
    this.#ended.delete(first[0]);
    this.#floor = Math.max(this.#floor, first[1]);
  }

  /** The `Set-Cookie` header of session `value` as cookie `name` (HttpOnly, SameSite=Strict, the whole port, `Max-Age` its lifetime). */
  cookie(name: string, value: string, tls: boolean): string {
    return `${name}=${value}; Path=/; Max-Age=${Math.ceil(this.#lifetime / 1000)}; HttpOnly; SameSite=Strict${this.#secure || tls ? '; Secure' : ''}`;
  }

  /** The `Set-Cookie` header that removes cookie `name` from the browser (sign-out). */
  clearCookie(name: string, tls: boolean): string {
    return `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${this.#secure || tls ? '; Secure' : ''}`;
  }
}
