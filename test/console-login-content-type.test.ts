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
    // More refusals than a peer may guess wrong (5) were not counted: the form still signs in from this address.
    const bare = await login(port, {});
    assert.equal(bare.status, 401, 'a bare POST: the form again');
    assert.match(bare.body, /<form/);
    const signIn = await login(port, { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, `token=${TOKEN}`);
    assert.equal(signIn.status, 303, signIn.body);
    const again = await login(port, FORM, `token=${TOKEN}`);
    assert.equal(again.status, 303, again.body);
  });
}
