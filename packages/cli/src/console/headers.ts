/**
 * The headers of every page the console serves (the console itself, its files, and the sign-in form): not cached, its
 * own files only (no inline script, no other origin), never in a frame, no content sniffing, and no referrer to another
 * origin. `same-origin`, not `no-referrer`: under `no-referrer` a browser posts the sign-in form with `Origin: null`,
 * which the port's cross-site check (the connector's cross-site.ts) refuses.
 */
import type { FastifyReply } from 'fastify';

/** The Content-Security-Policy of the console's pages: its own files only, no inline script, no other origin, no frame. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Sets the console's page headers on `reply` (and returns it). */
export function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin');
}
