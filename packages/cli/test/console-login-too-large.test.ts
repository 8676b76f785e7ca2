// A sign-in form over its 4 KB limit (or of a type Fastify cannot read, 415) is refused as the console's other refusals
// are: 413 with the sign-in form (the page's headers) saying ISO8583_ERR_CONSOLE_INPUT (the sign-out reads no body:
// it signs out); never Fastify's own `{ statusCode, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }` JSON, never counted as a wrong token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { answerOf, within } from '@iso8583/test-support';
import { loginApp } from './helpers/login-app.js';

const TOKEN = 'too-large-test-7c21';
const FORM = 'application/x-www-form-urlencoded';

test('console login – a form over 4 KB (413) or of another type (415): the sign-in form with a coded reason; nothing counted', async (t) => {
  const { base, counted } = await loginApp(t, TOKEN);
  const big = `token=${'x'.repeat(5000)}`;
  const res = await fetch(`${base}/console/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': FORM }, body: big });
  const text = await res.text();
  assert.equal(res.status, 413);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, 'the page\'s headers');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.match(text, /<form method="post" action="\/console\/login">/);
  assert.match(text, /ISO8583_ERR_CONSOLE_INPUT: body: the sign-in form is larger than its limit, 4096 bytes/);
  assert.doesNotMatch(text, /FST_ERR|statusCode/);
  // The sign-out reads no body: it signs out whatever comes with it (console-logout-any-body.test.ts).
  const out = await fetch(`${base}/console/logout`, { method: 'POST', redirect: 'manual', headers: { 'content-type': FORM }, body: big });
  await out.arrayBuffer();
  assert.equal(out.status, 303);
  const xml = await fetch(`${base}/console/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/xml' }, body: '<token>x</token>' });
  assert.equal(xml.status, 415);
  assert.match(await xml.text(), /ISO8583_ERR_CONSOLE_INPUT: body: the sign-in form's content type is application\/x-www-form-urlencoded/);
  assert.deepEqual(counted, [], 'no wrong token counted');
  const signIn = await fetch(`${base}/console/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': FORM }, body: `token=${TOKEN}` });
  assert.equal(signIn.status, 303, 'a form within its limit still signs in');
});

test('console login – a JSON body over the app\'s 1 MiB limit (413) names that limit, not the form\'s 4096 bytes', async (t) => {
  const { port } = await loginApp(t, TOKEN);
  // Announced, never sent: refused on its Content-Length before a byte of it is read.
  const client = request({ host: '127.0.0.1', port, method: 'POST', path: '/console/login', headers: { 'content-type': 'application/json', 'content-length': 2_000_000 } });
  client.on('error', () => undefined);
  t.after(() => client.destroy());
  const answered = answerOf(client);
  client.write('{"token":"');
  const { status, body: text } = await within(answered, 10_000, 'the 413 to a JSON body over the app\'s limit');
  assert.equal(status, 413);
  assert.match(text, /ISO8583_ERR_CONSOLE_INPUT: body: the body is larger than its limit, 1048576 bytes \(bodyLimit\)/);
  assert.doesNotMatch(text, /4096/);
});
