/**
 * `POST /console/login` reads the sign-in form and nothing else, whatever parsers the HTTP port has: with SocketQueue's
 * names (which read every content type as text, so Fastify never refuses one) and without them (where JSON is read),
 * a body of another type is answered 415 with the form naming the form's type, its `token` never read (the right token
 * in JSON does not sign in) nor counted as a guess; the form still signs in, a bare POST still gets the form (401).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-login-type-'));
const TOKEN = 'login-type-token-5d81';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
/** The HTTP ports of two gateways asking for `TOKEN`: with SocketQueue's names, and without. */
const ports: { socketqueue: number; plain: number } = { socketqueue: 0, plain: 0 };

before(async () => {
  const [sqBank, bank] = await Promise.all([startSimulator(['--dialect', 'smartvista', '--any-card', '--frame', 'ascii4']), startSimulator()]);
  const [sq, plain] = await Promise.all([
    startGateway([`--upstreamHost=${sqBank.host}`, `--upstreamPort=${sqBank.port}`, '--http-token', TOKEN, '--reversal-journal', join(work, 'sq')]),
    startGateway(['--upstream', `${bank.host}:${bank.port}`, '--http-token', TOKEN, '--reversal-journal', join(work, 'plain')]),
  ]);
  ports.socketqueue = sq.http.port;
  ports.plain = plain.http.port;
});

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** `POST /console/login` on `port` with `headers` and `body`: its status, text and `Set-Cookie`. */
async function login(port: number, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string; cookie: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}/console/login`, { method: 'POST', redirect: 'manual', headers, ...(body === undefined ? {} : { body }) });
  return { status: res.status, body: await res.text(), cookie: res.headers.get('set-cookie') };
}

/**
 * `POST /console/login` on `port` with a body and no `Content-Type` at all (fetch would name one: text/plain): its
 * status, text and `Set-Cookie`.
 */
function untypedLogin(port: number, body: string): Promise<{ status: number; body: string; cookie: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/console/login', headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, cookie: res.headers['set-cookie']?.join('; ') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const OTHER_TYPES: readonly (readonly [string, string])[] = [
  ['application/json', JSON.stringify({ token: TOKEN })],
  ['text/plain', `token=${TOKEN}`],
  ['application/xml', `<token>${TOKEN}</token>`],
  ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="token"\r\n\r\n${TOKEN}\r\n--x--\r\n`],
];

for (const mode of ['socketqueue', 'plain'] as const) {
  test(`console login (${mode}) – a body that is not the form is 415 with the form naming its type; the token in it never signs in`, async () => {
    const port = ports[mode];
    for (const [type, body] of OTHER_TYPES) {
      const r = await login(port, { 'content-type': type }, body);
      assert.equal(r.status, 415, `${type}: ${r.status} ${r.body}`);
      assert.match(r.body, /<form method="post" action="\/console\/login">/, type);
      assert.match(r.body, /ISO8583_ERR_CONSOLE_INPUT: body: the sign-in form's content type is application\/x-www-form-urlencoded/, type);
      assert.equal(r.cookie, null, `${type}: no session`);
    }
    // A body with no content type at all (SocketQueue's names read it as JSON) is not the form: its token is not read.
    const untyped = await untypedLogin(port, JSON.stringify({ token: TOKEN }));
    assert.notEqual(untyped.status, 303, `no content type: ${untyped.status} ${untyped.body}`);
    assert.equal(untyped.cookie, undefined, 'no content type: no session');
    // More refusals than a peer may guess wrong (5), each with a wrong token, are not counted as guesses: the form still
    // signs in from this address.
    for (let i = 0; i < 6; i++) {
      for (const [type, body] of OTHER_TYPES) assert.equal((await login(port, { 'content-type': type }, body.replace(TOKEN, `wrong-${i}`))).status, 415, type);
      assert.notEqual((await untypedLogin(port, JSON.stringify({ token: `wrong-${i}` }))).status, 429, 'an untyped body is not a guess');
    }
    const bare = await login(port, {});
    assert.equal(bare.status, 401, 'a bare POST: the form again');
    assert.match(bare.body, /<form/);
    const signIn = await login(port, { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, `token=${TOKEN}`);
    assert.equal(signIn.status, 303, signIn.body);
    const again = await login(port, FORM, `token=${TOKEN}`);
    assert.equal(again.status, 303, again.body);
  });
}
