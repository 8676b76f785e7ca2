// The console's sessions: a sign-in lasts its lifetime (Max-Age, and the server refuses it after), sign-out ends it
// (and its open event stream), another token refuses the old sessions while the same token (a restart) keeps them,
// and the cookie is Secure over TLS or when told (never from X-Forwarded-Proto). Real Fastify apps on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import fastify from 'fastify';
import { TransactionRing } from '../src/index.js';
import { refuseCrossSite } from '@iso8583/connector';
import { errorBody, requireToken } from '../src/console/access.js';
import { mountConsole } from '../src/console/routes.js';
import { ConsoleSessions, DEFAULT_SESSION_LIFETIME, sessionCookieName } from '../src/console/session.js';
import type { ConsoleSessionOptions } from '../src/console/session.js';

const TOKEN = 'session-test-token-7c1e';
const HOUR = 3_600_000;

/** A console behind `TOKEN` on 127.0.0.1 port 0, its figures ticking every 20 ms. */
async function guardedApp(t: { after(fn: () => unknown): void }, sessions: ConsoleSessionOptions = {}, token = TOKEN): Promise<string> {
  const app = fastify();
  // As the HTTP app has it (http/app.ts): a browser request from another site never reaches a route that changes state.
  app.addHook('onRequest', refuseCrossSite((err) => ({ error: { code: err.code, message: err.message } })));
  requireToken(app, token, errorBody, sessions);
  mountConsole(app, { ring: new TransactionRing(), source: { connectors: () => ({}), groups: () => [], endpoints: () => ({}) }, targets: () => ({}), tick: 20, signOut: true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

/** The status of a request, its body read (an unread body would hold its connection, and the app's close). */
async function statusOf(url: string, init: RequestInit = {}): Promise<number> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  await res.arrayBuffer();
  return res.status;
}

/** Signs in on the form; the `Set-Cookie` header and the cookie (`name=value`). */
async function signIn(base: string, headers: Record<string, string> = {}): Promise<{ setCookie: string; cookie: string }> {
  const res = await fetch(`${base}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token: TOKEN }).toString(),
  });
  assert.equal(res.status, 303);
  await res.arrayBuffer();
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { setCookie, cookie: setCookie.split(';')[0] as string };
}

/** Opens the event stream with `cookie`; resolves once its `hello` came, with what came so far and a promise of its end. */
function openStream(base: string, cookie: string): Promise<{ ended: Promise<void>; close(): void; first: string }> {
  return new Promise((resolve, reject) => {
    get(`${base}/console/events`, { headers: { cookie } }, (res: IncomingMessage) => {
      assert.equal(res.statusCode, 200);
      const ended = new Promise<void>((done) => res.on('end', done).on('close', done));
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('event: hello')) resolve({ ended, close: () => res.destroy(), first: text });
      });
    }).on('error', reject);
  });
}

test('ConsoleSessions – a session holds until its lifetime is over, then is refused', () => {
  let now = 1_800_000_000_000;
  const sessions = new ConsoleSessions(TOKEN, { now: () => now });
  assert.equal(sessions.lifetime, DEFAULT_SESSION_LIFETIME);
  assert.equal(DEFAULT_SESSION_LIFETIME, 8 * HOUR);
  const value = sessions.issue();
  assert.doesNotMatch(value, new RegExp(TOKEN), 'the token is not in the cookie');
  assert.notEqual(value, sessions.issue(), 'each sign-in is a session of its own');
  assert.equal(sessions.expiry(value), now + 8 * HOUR);
  now += 8 * HOUR - 1000;
  assert.notEqual(sessions.expiry(value), undefined, 'a second before its end');
  now += 1000;
  assert.equal(sessions.expiry(value), undefined, 'at its end');
});

test('ConsoleSessions – the same token (a restart) keeps the sessions; another token refuses them; a changed one is refused', () => {
  const value = new ConsoleSessions(TOKEN).issue();
  assert.notEqual(new ConsoleSessions(TOKEN).expiry(value), undefined, 'a restart with the same token');
  assert.equal(new ConsoleSessions(`${TOKEN}-rotated`).expiry(value), undefined, 'the token changed');
  const [expiry, nonce, mac] = value.split('.') as [string, string, string];
  const later = (parseInt(expiry, 36) + 86_400_000).toString(36);
  assert.equal(new ConsoleSessions(TOKEN).expiry(`${later}.${nonce}.${mac}`), undefined, 'an expiry moved by hand');
  for (const bad of [undefined, '', 'x', '..', `${expiry}.${nonce}.`, `${expiry}.${nonce}`]) {
    assert.equal(new ConsoleSessions(TOKEN).expiry(bad), undefined, String(bad));
  }
});

test('ConsoleSessions – a restart with a shorter lifetime refuses the sessions that would outlast it; a longer one keeps the shorter ones', () => {
  let now = 1_800_000_000_000;
  const clock = { now: () => now };
  const shift = new ConsoleSessions(TOKEN, clock).issue();
  const brief = new ConsoleSessions(TOKEN, { ...clock, lifetime: 15 * 60_000 }).issue();
  now += 5 * 60_000;
  const shortened = new ConsoleSessions(TOKEN, { ...clock, lifetime: 15 * 60_000 });
  assert.equal(shortened.expiry(shift), undefined, 'an 8-hour session under a 15-minute lifetime (issued 5 minutes ago)');
  assert.notEqual(shortened.expiry(brief), undefined, 'a 15-minute session under a 15-minute lifetime');
  assert.notEqual(new ConsoleSessions(TOKEN, clock).expiry(brief), undefined, 'a 15-minute session under the 8-hour default');
  // Another server with the same token whose clock is 30 s behind: within the slack of a minute.
  now -= 5 * 60_000 + 30_000;
  assert.notEqual(new ConsoleSessions(TOKEN, clock).expiry(shift), undefined, 'a clock 30 s behind');
  now -= 60_000;
  assert.equal(new ConsoleSessions(TOKEN, clock).expiry(shift), undefined, 'a clock 90 s behind');
});

test('ConsoleSessions – sign-out ends that session only', () => {
  const sessions = new ConsoleSessions(TOKEN);
  const [a, b] = [sessions.issue(), sessions.issue()];
  sessions.end(a);
  sessions.end('not-a-session');
  assert.equal(sessions.expiry(a), undefined);
  assert.notEqual(sessions.expiry(b), undefined);
});

test('console session – the cookie: Max-Age its lifetime, HttpOnly, SameSite=Strict; Secure only when told, not from X-Forwarded-Proto', async (t) => {
  const plain = await guardedApp(t);
  const { setCookie } = await signIn(plain, { 'x-forwarded-proto': 'https' });
  assert.match(setCookie, /^iso8583_console_[0-9]+=[^;]+; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
  const told = await guardedApp(t, { secureCookie: true, lifetime: 15 * 60_000 });
  assert.match((await signIn(told)).setCookie, /; Max-Age=900; HttpOnly; SameSite=Strict; Secure$/);
  const viaQuery = await fetch(`${told}/console?token=${TOKEN}`, { redirect: 'manual' });
  await viaQuery.arrayBuffer();
  assert.equal(viaQuery.status, 303);
  assert.match(viaQuery.headers.get('set-cookie') ?? '', /; Secure$/, '/console?token= sets the same cookie');
});

test('console session – sign-out ends the session and its open event stream; the cookie is then refused (401)', async (t) => {
  const base = await guardedApp(t);
  const { cookie } = await signIn(base);
  assert.equal((await statusOf(`${base}/console/api/session`, { headers: { cookie } })), 200);
  const stream = await openStream(base, cookie);
  // The browser opens a stream the server ended again after 1 s (its own default is 3 s in Chromium).
  assert.ok(stream.first.startsWith('retry: 1000\n\nevent: hello\n'), stream.first.slice(0, 40));
  t.after(() => stream.close());
  const other = await signIn(base);
  const out = await fetch(`${base}/console/logout`, { method: 'POST', redirect: 'manual', headers: { cookie } });
  await out.arrayBuffer();
  assert.equal(out.status, 303);
  assert.equal(out.headers.get('location'), '/console');
  assert.match(out.headers.get('set-cookie') ?? '', /^iso8583_console_[0-9]+=; Path=\/; Max-Age=0;/, 'the browser drops the cookie');
  await within(stream.ended, 10_000, 'the stream of a session signed out ends');
  const after = await fetch(`${base}/console/api/session`, { headers: { cookie } });
  assert.equal(after.status, 401);
  assert.equal(((await after.json()) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_UNAUTHORIZED');
  assert.equal((await statusOf(`${base}/console/events`, { headers: { cookie } })), 401);
  assert.equal((await statusOf(`${base}/console/api/session`, { headers: { cookie: other.cookie } })), 200, 'another sign-in holds');
  const crossSite = await statusOf(`${base}/console/logout`, { method: 'POST', headers: { cookie: other.cookie, 'sec-fetch-site': 'cross-site' } });
  assert.equal(crossSite, 403, 'another site cannot sign the operator out');
  assert.equal((await statusOf(`${base}/console/api/session`, { headers: { cookie: other.cookie } })), 200);
});

test('console session – an open event stream ends when its session expires (the page then asks to sign in)', async (t) => {
  let now = Date.now();
  const base = await guardedApp(t, { lifetime: 60_000, now: () => now });
  const { cookie } = await signIn(base);
  const stream = await openStream(base, cookie);
  t.after(() => stream.close());
  now += 60_000;
  await within(stream.ended, 10_000, 'the stream of an expired session ends');
  assert.equal((await statusOf(`${base}/console/api/session`, { headers: { cookie } })), 401);
  // A bearer token is not a session: its stream lasts.
  assert.equal(await statusOf(`${base}/console/api/session`, { headers: { authorization: `Bearer ${TOKEN}` } }), 200);
});

test('console sign-in – a token pasted with blanks or a line end around it is the token (the flag and file are trimmed too)', async (t) => {
  const base = await guardedApp(t);
  const form = await fetch(`${base}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: ` ${TOKEN}\r\n` }).toString(),
  });
  await form.arrayBuffer();
  assert.equal(form.status, 303, 'the form');
  assert.equal(await statusOf(`${base}/console?token=${encodeURIComponent(` ${TOKEN} `)}`), 303, '?token=');
  assert.equal(await statusOf(`${base}/console?token=${encodeURIComponent(`x${TOKEN}`)}`), 401, 'another token is still refused');
});

test('sessionCookieName – by the port of the Host header (a browser keeps cookies by host, not by port)', () => {
  assert.equal(sessionCookieName('127.0.0.1:8080'), 'iso8583_console_8080');
  assert.equal(sessionCookieName('[::1]:9000'), 'iso8583_console_9000');
  assert.equal(sessionCookieName('console.example.com'), 'iso8583_console');
  assert.equal(sessionCookieName(undefined), 'iso8583_console');
});

test('console session – two consoles of one host with their own tokens keep both sessions in one cookie jar', async (t) => {
  const [a, b] = await Promise.all([guardedApp(t), guardedApp(t, {}, `${TOKEN}-other`)]);
  // The browser's jar for 127.0.0.1: one value per cookie name, whatever the port that set it.
  const jar = new Map<string, string>();
  const keep = async (base: string, token: string): Promise<void> => {
    const res = await fetch(`${base}/console?token=${encodeURIComponent(token)}`, { redirect: 'manual' });
    await res.arrayBuffer();
    const [pair] = (res.headers.get('set-cookie') ?? '').split(';');
    const eq = (pair as string).indexOf('=');
    jar.set((pair as string).slice(0, eq), (pair as string).slice(eq + 1));
  };
  await keep(a, TOKEN);
  await keep(b, `${TOKEN}-other`);
  const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  assert.equal(await statusOf(`${a}/console/api/session`, { headers: { cookie } }), 200, 'the first console\'s session');
  assert.equal(await statusOf(`${b}/console/api/session`, { headers: { cookie } }), 200, 'the second console\'s session');
});

test('console session – a sign-in with the browser\'s live cookie ends that session: sign-out then ends both (and the first stream)', async (t) => {
  const base = await guardedApp(t);
  const first = await signIn(base);
  const stream = await openStream(base, first.cookie);
  t.after(() => stream.close());
  // The same browser signs in again (another tab, ?token=): its cookie goes with the request and is replaced.
  const again = await fetch(`${base}/console?token=${TOKEN}`, { redirect: 'manual', headers: { cookie: first.cookie } });
  await again.arrayBuffer();
  assert.equal(again.status, 303);
  const second = (again.headers.get('set-cookie') ?? '').split(';')[0] as string;
  assert.notEqual(second, first.cookie);
  await within(stream.ended, 10_000, 'the stream of the replaced session ends');
  assert.equal(await statusOf(`${base}/console/api/session`, { headers: { cookie: first.cookie } }), 401, 'the replaced cookie');
  assert.equal(await statusOf(`${base}/console/api/session`, { headers: { cookie: second } }), 200, 'the new cookie');
  const out = await statusOf(`${base}/console/logout`, { method: 'POST', headers: { cookie: second } });
  assert.equal(out, 303);
  assert.equal(await statusOf(`${base}/console/api/session`, { headers: { cookie: first.cookie } }), 401, 'after sign-out: the first');
  assert.equal(await statusOf(`${base}/console/api/session`, { headers: { cookie: second } }), 401, 'after sign-out: the second');
  // The form does the same, and a wrong token ends nothing.
  const third = await signIn(base);
  const wrong = await fetch(`${base}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: third.cookie },
    body: new URLSearchParams({ token: `x${TOKEN}` }).toString(),
  });
  await wrong.arrayBuffer();
  assert.equal(wrong.status, 401);
  assert.equal(await statusOf(`${base}/console/api/session`, { headers: { cookie: third.cookie } }), 200, 'a wrong token ends nothing');
  const fourth = await signIn(base, { cookie: third.cookie });
  assert.equal(await statusOf(`${base}/console/api/session`, { headers: { cookie: third.cookie } }), 401, 'replaced by the form');
  assert.equal(await statusOf(`${base}/console/api/session`, { headers: { cookie: fourth.cookie } }), 200);
});
