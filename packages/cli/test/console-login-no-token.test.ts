// A sign-in without a token is not a guess: `POST /console/login` with no `token` field (a bare POST, an empty or
// blank field, a JSON body) and `/console?token=` empty are answered with the form (401) and counted nowhere. Before,
// each counted as a wrong token: five empty submits locked the operator's address out, the right token refused (429).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginApp } from './helpers/login-app.js';

const TOKEN = 'no-token-test-7c21';

test('console login – a sign-in without a token answers the form and counts as no wrong guess', async (t) => {
  const { base, counted } = await loginApp(t, TOKEN, true);
  const post = (body: string | undefined, type: string | undefined) =>
    fetch(`${base}/console/login`, { method: 'POST', redirect: 'manual', ...(type === undefined ? {} : { headers: { 'content-type': type } }), ...(body === undefined ? {} : { body }) });
  const FORM = 'application/x-www-form-urlencoded';
  const noTokens: [string, Promise<Response>][] = [];
  for (let round = 0; round < 2; round++) {
    noTokens.push(['no field', post('other=1', FORM)]);
    noTokens.push(['empty field', post('token=', FORM)]);
    noTokens.push(['blank field', post('token=%20%20', FORM)]);
    noTokens.push(['no body', post(undefined, undefined)]);
    noTokens.push(['?token= empty', fetch(`${base}/console?token=`, { redirect: 'manual' })]);
  }
  for (const [what, pending] of noTokens) {
    const res = await pending;
    assert.equal(res.status, 401, what);
    assert.match(await res.text(), /<form/, `${what}: the sign-in form`);
  }
  assert.deepEqual(counted, [], 'nothing counted as a wrong token');
  const signIn = await post(`token=${TOKEN}`, FORM);
  assert.equal(signIn.status, 303, 'the right token signs in: the address was not locked out');
  // A token tried is still a guess.
  const wrong = await post('token=wrong', FORM);
  assert.equal(wrong.status, 401);
  assert.deepEqual(counted, ['failure']);
});
