// Token guessing on an HTTP port with a token: 5 wrong tokens in a minute from a peer lock it out (429 with
// Retry-After, every token refused unread, the right one too), doubling up to 15 minutes; a session cookie still holds,
// a sign-in clears the peer, memory is bounded. Real Fastify apps on 127.0.0.1, the clock injected (no sleeps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import fastify from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { errorBody, requireToken } from '../src/console/access.js';
import { DEFAULT_GUARD_LIMIT, DEFAULT_GUARD_LOCKOUT, DEFAULT_GUARD_MAX_LOCKOUT, DEFAULT_GUARD_WINDOW, SignInGuard, peerKey } from '../src/console/guard.js';
import { TOKEN_FAILURES_METRIC } from '../src/console/guard-report.js';
import { assembleHttp } from '../src/http/app.js';

const TOKEN = 'guard-test-token-3f9a';
const MINUTE = 60_000;

/** A port behind `TOKEN` on 127.0.0.1 port 0 (one route, `GET /stats`), its guard on the clock `now`. */
async function guardedApp(t: { after(fn: () => unknown): void }, now: () => number): Promise<string> {
  const app = fastify();
  requireToken(app, TOKEN, errorBody, {}, { now });
  app.get('/stats', async () => ({ ok: true }));
  app.get('/console', async () => 'the page');
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

/** A bearer request to `/stats`: its status, `Retry-After` and body. */
async function bearer(base: string, token: string): Promise<{ status: number; retryAfter: string | null; text: string }> {
  const res = await fetch(`${base}/stats`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
}

/** A sign-in on the form with `token`: its status, `Set-Cookie` and body. */
async function form(base: string, token: string): Promise<{ status: number; cookie: string; text: string }> {
  const res = await fetch(`${base}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  return { status: res.status, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] as string, text: await res.text() };
}

test('guard defaults: 5 wrong tokens in a minute lock out for a minute, doubling up to 15 minutes', () => {
  assert.equal(DEFAULT_GUARD_LIMIT, 5);
  assert.equal(DEFAULT_GUARD_WINDOW, MINUTE);
  assert.equal(DEFAULT_GUARD_LOCKOUT, MINUTE);
  assert.equal(DEFAULT_GUARD_MAX_LOCKOUT, 15 * MINUTE);
});

test('console guard – 5 wrong bearer tokens lock the peer out: 429 with Retry-After, the right token refused too, until the lockout ends', async (t) => {
  let now = 1_800_000_000_000;
  const base = await guardedApp(t, () => now);
  for (let i = 0; i < 5; i++) assert.equal((await bearer(base, `guess-${i}`)).status, 401, `wrong token ${i + 1}`);
  const locked = await bearer(base, 'guess-5');
  assert.equal(locked.status, 429);
  assert.equal(locked.retryAfter, '60');
  assert.equal((JSON.parse(locked.text) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_TOO_MANY_ATTEMPTS');
  assert.doesNotMatch(locked.text, /guess-5/, 'the tried token is not in the answer');
  // Accepting the right token here would tell the guesser which guess was right: it is refused unread too.
  assert.equal((await bearer(base, TOKEN)).status, 429, 'the right token while locked out');
  now += 30_000;
  assert.equal((await bearer(base, TOKEN)).retryAfter, '30', 'Retry-After counts down');
  now += 30_000;
  assert.equal((await bearer(base, TOKEN)).status, 200, 'the lockout is over');
  // The next lockout is twice as long.
  for (let i = 0; i < 5; i++) assert.equal((await bearer(base, `again-${i}`)).status, 401);
  assert.equal((await bearer(base, TOKEN)).retryAfter, '120', 'the second lockout: 2 minutes');
});

test('console guard – wrong tokens spread over more than the window do not lock out', async (t) => {
  let now = 1_800_000_000_000;
  const base = await guardedApp(t, () => now);
  for (let i = 0; i < 4; i++) assert.equal((await bearer(base, `guess-${i}`)).status, 401);
  now += MINUTE;
  for (let i = 0; i < 4; i++) assert.equal((await bearer(base, `guess-${i}`)).status, 401);
  assert.equal((await bearer(base, TOKEN)).status, 200);
});

test('console guard – the sign-in form and ?token= count and are locked out; a session cookie still holds; a sign-in clears the peer', async (t) => {
  let now = 1_800_000_000_000;
  const base = await guardedApp(t, () => now);
  const signedIn = await form(base, TOKEN);
  assert.equal(signedIn.status, 303);
  for (let i = 0; i < 4; i++) assert.equal((await form(base, `guess-${i}`)).status, 401);
  const query = await fetch(`${base}/console?token=guess-4`, { redirect: 'manual' });
  assert.equal(query.status, 401, 'the fifth wrong token, in the address');
  await query.arrayBuffer();
  const locked = await form(base, TOKEN);
  assert.equal(locked.status, 429, 'the form, locked out');
  assert.match(locked.text, /ISO8583_ERR_CONSOLE_TOO_MANY_ATTEMPTS: too many wrong tokens from this address: try again in 60 s/);
  const queryLocked = await fetch(`${base}/console?token=${TOKEN}`, { redirect: 'manual' });
  assert.equal(queryLocked.status, 429, '?token=, locked out');
  await queryLocked.arrayBuffer();
  // The session signed in before: its MAC tells nothing about the token, it still holds.
  const page = await fetch(`${base}/console`, { headers: { cookie: signedIn.cookie } });
  assert.equal(page.status, 200);
  await page.arrayBuffer();
  // Without any token, the form as ever (nothing compared).
  const form401 = await fetch(`${base}/console`);
  assert.equal(form401.status, 401);
  await form401.arrayBuffer();
  now += MINUTE;
  assert.equal((await form(base, TOKEN)).status, 303, 'signed in once the lockout is over');
  // The sign-in cleared the peer: 4 wrong tokens, and it is not locked out; the next lockout is again a minute.
  for (let i = 0; i < 4; i++) assert.equal((await bearer(base, `guess-${i}`)).status, 401);
  assert.equal((await bearer(base, TOKEN)).status, 200);
  assert.equal((await bearer(base, 'guess-last')).status, 401);
  assert.equal((await bearer(base, TOKEN)).retryAfter, '60', 'strikes were cleared by the sign-in');
});

test('SignInGuard – remembers at most `peers` peers, the one not seen longest forgotten first; IPv6 by its /64', () => {
  const now = 1_800_000_000_000;
  const guard = new SignInGuard({ peers: 3, limit: 2, now: () => now });
  guard.failed('10.0.0.1');
  for (const peer of ['10.0.0.2', '10.0.0.3', '10.0.0.4']) guard.failed(peer);
  assert.equal(guard.size, 3);
  assert.equal(guard.failed('10.0.0.1'), 0, '10.0.0.1 was forgotten: its first failure counts again as the first');
  assert.equal(guard.failed('10.0.0.4'), MINUTE, '10.0.0.4 was remembered');
  // A locked-out peer is forgotten last: a guesser rotating through more addresses than the cap keeps its lockouts.
  const rotating = new SignInGuard({ peers: 3, limit: 2, now: () => now });
  rotating.failed('10.1.0.1');
  assert.equal(rotating.failed('10.1.0.1'), MINUTE, 'locked out');
  for (let i = 2; i <= 20; i++) rotating.failed(`10.1.0.${i}`);
  assert.equal(rotating.size, 3);
  assert.equal(rotating.lockedFor('10.1.0.1'), MINUTE, 'still locked out after 19 other peers came');
  assert.equal(rotating.failed('10.1.0.2'), 0, 'the unlocked peers took turns: 10.1.0.2 was forgotten');
  const allLocked = new SignInGuard({ peers: 2, limit: 1, now: () => now });
  for (const peer of ['10.2.0.1', '10.2.0.2', '10.2.0.3']) assert.equal(allLocked.failed(peer), MINUTE);
  assert.equal(allLocked.size, 2, 'still bounded when every peer is locked out');
  assert.equal(allLocked.lockedFor('10.2.0.1'), 0, 'then the one not seen longest goes');
  assert.equal(peerKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(peerKey('2001:db8:1:2::bbbb'), '2001:db8:1:2::/64');
  assert.equal(peerKey('::1'), '0:0:0:0::/64');
  assert.equal(peerKey('::ffff:192.0.2.7'), '192.0.2.7');
  const v6 = new SignInGuard({ limit: 2, now: () => now });
  v6.failed('2001:db8:1:2::1');
  assert.equal(v6.failed('2001:db8:1:2::2'), MINUTE, 'two addresses of one /64 are one peer');
  assert.equal(v6.lockedFor('2001:db8:1:2:ffff::9'), MINUTE);
  assert.equal(v6.lockedFor('2001:db8:1:3::1'), 0, 'another /64');
});

test('console guard – the HTTP app logs the locked-out peer (never the token) and counts in iso8583_http_token_failures_total', async (t) => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } }));
  const registry = new Registry();
  const http = await assembleHttp({ connectors: {}, token: TOKEN, logger, monitoring: { registry, stats: () => ({}) }, guard: { now: () => 1_800_000_000_000 } });
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  t.after(() => http.app.close());
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 5; i++) assert.equal((await bearer(base, `secret-guess-${i}`)).status, 401);
  assert.equal((await bearer(base, 'secret-guess-5')).status, 429);
  assert.equal((await bearer(base, TOKEN)).status, 429);
  const locked = lines.filter((l) => l.includes('too many wrong tokens'));
  assert.equal(locked.length, 1, 'one line for the lockout');
  assert.match(locked[0] as string, /"peer":"127\.0\.0\.1"/);
  assert.match(locked[0] as string, /"lockoutMs":60000/);
  for (const line of lines) assert.doesNotMatch(line, /secret-guess|guard-test-token/, 'no tried token, no token in the log');
  const metric = await registry.getSingleMetricAsString(TOKEN_FAILURES_METRIC);
  assert.match(metric, /iso8583_http_token_failures_total\{outcome="wrong"\} 5/);
  assert.match(metric, /iso8583_http_token_failures_total\{outcome="locked_out"\} 2/);
});

test('SignInGuard – at most 10 lockout lines a minute; the next one says how many were not logged', () => {
  let now = 1_800_000_000_000;
  const told: Array<[string, number]> = [];
  const guard = new SignInGuard({ limit: 1, now: () => now, notice: (peer, _ms, suppressed) => told.push([peer, suppressed]) });
  for (let i = 1; i <= 25; i++) guard.failed(`10.0.1.${i}`);
  assert.equal(told.length, 10);
  now += MINUTE;
  guard.failed('10.0.2.1');
  assert.deepEqual(told[10], ['10.0.2.1', 15]);
});

test('SignInGuard – the peer forgotten is the one not seen longest among those not locked out, and a lockout that ends puts its peer back in its place', () => {
  let now = 1_800_000_000_000;
  const shortLimit = new SignInGuard({ peers: 3, limit: 2, now: () => now });
  // With limit 2: A locked, B and C not, D comes: B goes (A skipped); E comes: C goes.
  shortLimit.failed('10.4.0.1');
  assert.equal(shortLimit.failed('10.4.0.1'), MINUTE);
  for (const peer of ['10.4.0.2', '10.4.0.3', '10.4.0.4']) shortLimit.failed(peer);
  assert.equal(shortLimit.failed('10.4.0.2'), 0, '10.4.0.2, the oldest not locked out, was forgotten');
  assert.equal(shortLimit.lockedFor('10.4.0.1'), MINUTE, 'the locked-out peer at the front was kept');
  // Order now: 10.4.0.1 (locked), 10.4.0.4, 10.4.0.2 (10.4.0.3 went for 10.4.0.2). Seen again, 10.4.0.4 goes last.
  assert.equal(shortLimit.failed('10.4.0.4'), MINUTE, '10.4.0.4 was remembered: its second failure locks it out');
  // Every one locked but 10.4.0.2: a new peer makes it go.
  shortLimit.failed('10.4.0.5');
  assert.equal(shortLimit.failed('10.4.0.2'), 0, '10.4.0.2 was forgotten');
  // The lockouts end: 10.4.0.1, seen longest ago, goes first though the search had passed it.
  now += MINUTE;
  shortLimit.failed('10.4.0.6');
  assert.equal(shortLimit.lockedFor('10.4.0.4'), 0);
  assert.equal(shortLimit.failed('10.4.0.1'), 0, '10.4.0.1 was forgotten once its lockout ended (its first failure counts again)');
});

test('SignInGuard – with every remembered peer but one locked out, a wrong token costs one look at the peers, amortized, not a scan of them', () => {
  const now = 1_800_000_000_000;
  const PEERS = 2_000;
  // 2,000 peers locked out, then a guesser with 2,000 more addresses: each wrong token from a new one.
  const open = new SignInGuard({ peers: PEERS, limit: 2, now: () => now });
  for (let i = 0; i < PEERS; i++) {
    open.failed(`10.6.${i >> 8}.${i & 255}`);
    open.failed(`10.6.${i >> 8}.${i & 255}`);
  }
  const openBefore = open.visited;
  for (let i = 0; i < PEERS; i++) open.failed(`10.7.${i >> 8}.${i & 255}`);
  assert.equal(open.size, PEERS);
  const looks = open.visited - openBefore;
  assert.ok(looks <= 3 * PEERS, `${looks} peers looked at for ${PEERS} wrong tokens with ${PEERS} locked out (a scan each: ${PEERS * PEERS})`);
  for (let i = 0; i < PEERS; i++) assert.equal(open.lockedFor(`10.6.${i >> 8}.${i & 255}`), MINUTE, 'a locked-out peer was forgotten');
});

/** `GET /console?token=` as a browser sends it when a page of another site makes it (`Sec-Fetch-Site: site`): its status. */
async function navigatedFrom(base: string, site: string, token: string): Promise<number> {
  const res = await fetch(`${base}/console?token=${encodeURIComponent(token)}`, {
    redirect: 'manual',
    headers: { 'sec-fetch-site': site, 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' },
  });
  await res.arrayBuffer();
  return res.status;
}

test('console guard – a page of another site cannot lock the operator\'s address out through ?token= (not compared, not counted)', async (t) => {
  const now = 1_800_000_000_000;
  const base = await guardedApp(t, () => now);
  // What `<img src="http://gateway:8080/console?token=x">` on any web page the operator opens makes the browser send,
  // from the operator's address: were each counted, a page could keep that address (and every program behind it)
  // locked out for as long as it stays open.
  for (const site of ['cross-site', 'same-site']) {
    for (let i = 0; i < 2 * DEFAULT_GUARD_LIMIT; i++) assert.equal(await navigatedFrom(base, site, `guess-${i}`), 401, `${site} ?token= ${i + 1}: the form`);
  }
  assert.equal((await bearer(base, TOKEN)).status, 200, 'the address is not locked out');
  // Nor is the right token taken from another site (no sign-in a page of another site could make): the form.
  assert.equal(await navigatedFrom(base, 'cross-site', TOKEN), 401, 'no session from another site');
  // From the address bar, a bookmark (`none`) or the console itself (`same-origin`), ?token= signs in as ever.
  assert.equal(await navigatedFrom(base, 'none', TOKEN), 303);
  assert.equal(await navigatedFrom(base, 'same-origin', TOKEN), 303);
  for (let i = 0; i < DEFAULT_GUARD_LIMIT; i++) assert.equal(await navigatedFrom(base, 'none', `typed-${i}`), 401);
  assert.equal((await bearer(base, TOKEN)).status, 429, 'wrong tokens typed still count');
});

test('guard – one address alternating unknown Host names and its own gets 5 wrong tokens per count, 10 at most (docs/console.md)', () => {
  const guard = new SignInGuard();
  let tried = 0;
  for (const host of ['evil.example', undefined, 'other.example', undefined]) {
    // Bounded: a guard that never locks fails the count below instead of looping for ever.
    for (let i = 0; i <= 2 * DEFAULT_GUARD_LIMIT && guard.lockedFor('203.0.113.7', host) === 0; i++) {
      guard.failed('203.0.113.7', host);
      tried++;
    }
  }
  assert.equal(tried, 2 * DEFAULT_GUARD_LIMIT);
});
