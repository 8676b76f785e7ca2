// A page of another site cannot lock the operator's address out through the sign-in form: a `POST /console/login`
// the browser marks as cross-site (`Sec-Fetch-Site: cross-site` or `same-site`, or an `Origin` not this server) is
// refused 403 before its body is read, and its token is neither compared nor counted, as `/console?token=` from another
// site is not read. Before, each such post counted as a wrong token against the operator's own address: a page the
// operator opens could auto-submit forms and keep it locked out (429), the right token refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginApp } from './helpers/login-app.js';

const TOKEN = 'cross-site-login-test-7c21';
/** Twice what locks an address out (5 wrong tokens in a minute). */
const GUESSES = 10;

test('console login – a cross-site sign-in post is refused (403) and not counted: the operator is not locked out', async (t) => {
  const { base, counted } = await loginApp(t, TOKEN, true);
  const post = (token: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/console/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: `token=${token}` });
  const fromPages: Record<string, string>[] = [
    { 'sec-fetch-site': 'cross-site', origin: 'http://localhost:9' },
    { 'sec-fetch-site': 'same-site' },
    { origin: 'http://evil.example' },
  ];
  for (let i = 0; i < GUESSES; i++) {
    const headers = fromPages[i % fromPages.length] as Record<string, string>;
    const res = await post(`guess-${i}`, headers);
    assert.equal(res.status, 403, `guess ${i} (${JSON.stringify(headers)}): refused, not compared`);
    const answer = (await res.json()) as { error: { code: string } };
    assert.equal(answer.error.code, 'ISO8583_ERR_CONNECTOR_CROSS_SITE');
  }
  assert.deepEqual(counted, [], 'no wrong token counted against the address');
  const logout = await fetch(`${base}/console/logout`, { method: 'POST', redirect: 'manual', headers: { 'sec-fetch-site': 'cross-site' } });
  assert.equal(logout.status, 403, 'a cross-site sign-out is refused too');
  // The operator signs in from the same address: not locked out.
  const signIn = await post(TOKEN, { 'sec-fetch-site': 'same-origin', origin: base });
  assert.equal(signIn.status, 303, `the right token signs in (HTTP ${signIn.status})`);
  // The page's own form (same origin) and programs (no header) are still compared and counted.
  assert.equal((await post('wrong', { 'sec-fetch-site': 'same-origin' })).status, 401);
  assert.equal((await post('wrong')).status, 401);
  assert.deepEqual(counted, ['failure', 'failure']);
});
