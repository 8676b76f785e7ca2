// The login form's error lines are text: what `lockedOut` and `refused` hold is escaped, never read as markup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginPage } from '../src/console/login-page.js';

const MARKUP = `<img src=x onerror="alert(1)"> & 'quoted'`;
// An element's text: quotes are text there, only what opens markup (and `&`) is escaped.
const ESCAPED = `&lt;img src=x onerror="alert(1)"&gt; &amp; 'quoted'`;

test('console login page – a lockout and a refusal reason are escaped, not markup', () => {
  const locked = loginPage(false, MARKUP);
  assert.ok(locked.includes(`ISO8583_ERR_CONSOLE_TOO_MANY_ATTEMPTS: ${ESCAPED}.`), locked);
  assert.doesNotMatch(locked, /<img/);
  const refused = loginPage(false, undefined, MARKUP);
  assert.ok(refused.includes(`ISO8583_ERR_CONSOLE_INPUT: ${ESCAPED}.`), refused);
  assert.doesNotMatch(refused, /<img/);
});

test('console login page – the usual texts read as before', () => {
  assert.match(loginPage(true), /ISO8583_ERR_CONSOLE_UNAUTHORIZED: that token is not the one the server was started with\.<\/p>/);
  assert.match(loginPage(false, undefined, 'body: the sign-in form is larger than its limit, 4096 bytes'), /ISO8583_ERR_CONSOLE_INPUT: body: the sign-in form is larger than its limit, 4096 bytes\.<\/p>/);
  assert.doesNotMatch(loginPage(false), /login-error/);
});
