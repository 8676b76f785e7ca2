/**
 * The gateway's HTTP side under SocketQueue's names with `--http-token` (as docs/gateway.md tells SocketQueue users
 * whose web clients are elsewhere): `curl -d` still sends the JSON message (a form content type), the sign-in form's
 * fields are read on `POST /console/login` alone (a form body never becomes a message), and the refusals that come
 * before any route (401 no token, 403 cross-site) are in SocketQueue's shape, `{"result":"","errors":["..."]}`, so a
 * client calling `r.errors.join()` reads them; the console keeps `{"error":{...}}`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpCall } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-sq-token-'));
const TOKEN = 's3cr3t-token-123456';
const BEARER = { authorization: `Bearer ${TOKEN}` };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
let port: number;

before(async () => {
  const bank = await startSimulator(['--dialect', 'smartvista', '--any-card', '--frame', 'ascii4']);
  const gw = await startGateway([`--upstreamHost=${bank.host}`, `--upstreamPort=${bank.port}`, '--http-token', TOKEN, '--reversal-journal', join(work, 'state')]);
  port = gw.http.port;
});

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** SocketQueue's README purchase (numbers as its clients send them), with a STAN of its own. */
function purchase(stan: number): string {
  return JSON.stringify({
    '0': '0200', '3': '0', '4': 1000, '7': '0818160933', '11': stan, '12': '150820130600', '22': '056', '24': '200',
    '25': '00', '35': '4850781234567891=19082012232800000037', '41': 992468, '42': 124642124643, '49': '810',
  });
}

test('SocketQueue HTTP with a token – curl -d\'s form type still carries the JSON message', async () => {
  const r = await httpCall(port, 'POST', '/', { ...FORM, ...BEARER }, purchase(710001));
  assert.equal(r.status, 200, r.body);
  const body = JSON.parse(r.body) as { result: Record<string, unknown>; errors: unknown[] };
  assert.deepEqual(body.errors, []);
  assert.equal(body.result['39'], 0);
});

test('SocketQueue HTTP with a token – form fields never become a message: refused as not JSON, the PAN not echoed', async () => {
  const r = await httpCall(port, 'POST', '/', { ...FORM, ...BEARER }, '2=4850781234567891&0=0200&3=0&4=1000');
  assert.equal(r.status, 400, r.body);
  assert.deepEqual(JSON.parse(r.body), { result: '', errors: ['the body is not valid JSON'] });
});

test('SocketQueue HTTP with a token – the sign-in form still reads its fields on POST /console/login', async () => {
  const right = await httpCall(port, 'POST', '/console/login', FORM, `token=${TOKEN}`);
  assert.equal(right.status, 303);
  const wrong = await httpCall(port, 'POST', '/console/login', FORM, 'token=nope');
  assert.equal(wrong.status, 401);
  assert.match(wrong.body, /<form/);
});

test('SocketQueue HTTP with a token – no token is 401 and a cross-site POST 403, in SocketQueue\'s shape; the console keeps its own', async () => {
  const none = await httpCall(port, 'POST', '/', FORM, purchase(710002));
  assert.equal(none.status, 401);
  assert.deepEqual(JSON.parse(none.body), { result: '', errors: ['this HTTP port asks for a token: Authorization: Bearer TOKEN'] });
  const cross = await httpCall(port, 'POST', '/', { ...FORM, ...BEARER, origin: 'http://evil.example' }, purchase(710003));
  assert.equal(cross.status, 403);
  const crossBody = JSON.parse(cross.body) as { result: string; errors: string[] };
  assert.equal(crossBody.result, '');
  assert.match(crossBody.errors.join(), /Origin is not this server/);
  const consoleApi = await httpCall(port, 'GET', '/console/events', {});
  assert.equal(consoleApi.status, 401);
  assert.equal((JSON.parse(consoleApi.body) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_UNAUTHORIZED');
});
