/**
 * The gateway's HTTP side under SocketQueue's names, as SocketQueue's clientHttpServer.js served it: the body of any
 * POST is JSON whatever its content type (`curl -d` sends a form type) and whatever its path; any other method is
 * answered 405 `{"result":"","errors":["Method Not Allowed"]}`, so a client that calls `r.errors.join()` reads it.
 * Body limits and refusals stay those of every request, in SocketQueue's shape. With `--http-token` (as docs/gateway.md
 * tells SocketQueue users whose web clients are elsewhere) `curl -d` still sends the JSON message: the sign-in form's
 * fields are read on `POST /console/login` alone, and a form body never becomes a message. The refusals that come
 * before any route (421 a host name, 401 no token, 403 cross-site) are in SocketQueue's shape too; the console keeps
 * `{"error":{...}}`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec } from '@iso8583/codec';
import { announcedTooLarge, httpCall } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-sq-http-'));
const TOKEN = 's3cr3t-token-123456';
const BEARER = { authorization: `Bearer ${TOKEN}` };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
let port: number;
/** The HTTP port of a second gateway, the same bank, with `--http-token`. */
let tokenPort: number;

before(async () => {
  const bank = await startSimulator(['--dialect', 'smartvista', '--any-card', '--frame', 'ascii4']);
  const bankArgs = [`--upstreamHost=${bank.host}`, `--upstreamPort=${bank.port}`];
  const gw = await startGateway([...bankArgs, '--reversal-journal', join(work, 'state')]);
  port = gw.http.port;
  const withToken = await startGateway([...bankArgs, '--http-token', TOKEN, '--reversal-journal', join(work, 'state-token')]);
  tokenPort = withToken.http.port;
});

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** SocketQueue's README purchase (numbers as its clients send them), with a STAN of its own. */
function purchase(stan: number): string {
  return JSON.stringify({
    '0': '0200', '3': '0', '4': 1000, '7': '0818160933', '11': stan, '12': '150820130600', '22': '056', '24': '200',
    '25': '00', '35': '4761739001010010=19082012232800000037', '41': 992468, '42': 124642124643, '49': '810',
  });
}

function approved(answer: { status: number; body: string }, what: string): void {
  assert.equal(answer.status, 200, `${what}: ${answer.body}`);
  const body = JSON.parse(answer.body) as { result: Record<string, unknown>; errors: unknown[] };
  assert.deepEqual(body.errors, [], what);
  assert.equal(body.result['39'], 0, what);
}

const NOT_ALLOWED = { result: '', errors: ['Method Not Allowed'] };

test('SocketQueue HTTP – a JSON body is read whatever its content type: curl -d\'s form type, none, text/plain', async () => {
  approved(await httpCall(port, 'POST', '/', { 'content-type': 'application/x-www-form-urlencoded' }, purchase(700001)), 'form type');
  approved(await httpCall(port, 'POST', '/', {}, purchase(700002)), 'no content type');
  approved(await httpCall(port, 'POST', '/', { 'content-type': 'text/plain' }, purchase(700003)), 'text/plain');
  approved(await httpCall(port, 'POST', '/', { 'content-type': 'multipart/form-data; boundary=x' }, purchase(700004)), 'multipart type');
});

test('SocketQueue HTTP – a POST on any path is the message, as SocketQueue ignored the path; the query is kept', async () => {
  approved(await httpCall(port, 'POST', '/api', { 'content-type': 'application/json' }, purchase(700011)), 'POST /api');
  approved(await httpCall(port, 'POST', '/iso/8583/send', { 'content-type': 'application/x-www-form-urlencoded' }, purchase(700012)), 'a deep path');
  const bad = await httpCall(port, 'POST', '/api?timeout=abc', { 'content-type': 'application/json' }, purchase(700013));
  assert.equal(bad.status, 400, 'the query reaches POST / (a bad timeout is refused, never ignored)');
});

test('SocketQueue HTTP – any other method, or a GET no route takes, is 405 in SocketQueue\'s shape', async () => {
  for (const [method, path] of [['PUT', '/'], ['GET', '/'], ['DELETE', '/api'], ['GET', '/nothing'], ['PATCH', '/raw']] as const) {
    const body = method === 'GET' ? undefined : purchase(700020);
    // Node's client sends a DELETE body neither chunked nor counted unless told its length.
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    const answer = await httpCall(port, method, path, headers, body);
    assert.equal(answer.status, 405, `${method} ${path}: ${answer.body}`);
    assert.deepEqual(JSON.parse(answer.body), NOT_ALLOWED, `${method} ${path}`);
  }
  // The gateway's own GET routes stay.
  assert.equal((await httpCall(port, 'GET', '/stats', {})).status, 200);
});

test('SocketQueue HTTP – refusals keep their status and SocketQueue\'s shape: not JSON 400, too large 413; POST /raw keeps its hex', async () => {
  const notJson = await httpCall(port, 'POST', '/api', { 'content-type': 'application/x-www-form-urlencoded' }, '0=0200&3=0');
  assert.equal(notJson.status, 400);
  assert.deepEqual(JSON.parse(notJson.body), { result: '', errors: ['the body is not valid JSON'] });
  const large = await announcedTooLarge(port, '/', 2 * 1024 * 1024, { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(large.status, 413);
  assert.deepEqual(JSON.parse(large.body), { result: '', errors: ["the body is larger than its limit, 262144 bytes (bodyLimit)"] });
  const codec = createCodec('smartvista');
  const hex = codec.pack(JSON.parse(purchase(700031)) as Record<string, string>).toString('hex');
  const raw = await httpCall(port, 'POST', '/raw', { 'content-type': 'text/plain' }, hex);
  assert.equal(raw.status, 200, raw.body);
  assert.equal(codec.unpack(Buffer.from(raw.body, 'hex'))['39'], '000');
});

test('SocketQueue HTTP – every JSON answer is one line ending with a newline, as SocketQueue wrote it; hex and the console unchanged', async () => {
  // A shell client reading the answer line by line (`curl ... | while read -r line`) drops a last line with no newline.
  const line = (answer: { body: string }, what: string): unknown => {
    assert.ok(answer.body.endsWith('\n'), `${what}: ends with a newline: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.indexOf('\n'), answer.body.length - 1, `${what}: one line`);
    return JSON.parse(answer.body);
  };
  const ok = await httpCall(port, 'POST', '/', { 'content-type': 'application/x-www-form-urlencoded' }, purchase(700061));
  assert.equal(ok.status, 200, ok.body);
  assert.equal((line(ok, 'an approval') as { result: Record<string, unknown> }).result['39'], 0);
  const put = await httpCall(port, 'PUT', '/', { 'content-type': 'application/json' }, purchase(700062));
  assert.deepEqual(line(put, 'a 405'), NOT_ALLOWED);
  const notJson = await httpCall(port, 'POST', '/', {}, '{"0":');
  assert.equal(notJson.status, 400);
  assert.deepEqual(line(notJson, 'a body not JSON'), { result: '', errors: ['the body is not valid JSON'] });
  const invalid = await httpCall(port, 'POST', '/', {}, '{}');
  assert.equal(invalid.status, 400);
  line(invalid, 'an invalid message');
  const stats = await httpCall(port, 'GET', '/stats', {});
  assert.equal(stats.status, 200);
  line(stats, 'GET /stats');
  const named = await httpCall(port, 'POST', '/', { host: `gateway.internal:${port}` }, purchase(700064));
  assert.equal(named.status, 421);
  line(named, 'a 421 (a hook\'s refusal)');
  const consolePage = await httpCall(port, 'GET', '/console', { host: `gateway.internal:${port}` });
  assert.equal(consolePage.status, 421);
  assert.ok(!consolePage.body.endsWith('\n'), 'the console\'s answers are its own');
  const codec = createCodec('smartvista');
  const hex = codec.pack(JSON.parse(purchase(700063)) as Record<string, string>).toString('hex');
  const raw = await httpCall(port, 'POST', '/raw', { 'content-type': 'text/plain' }, hex);
  assert.equal(raw.status, 200, raw.body);
  assert.match(raw.body, /^[0-9a-f]+$/i, 'POST /raw answers its hex text alone');
});

test('SocketQueue HTTP – a caller by host name (no token) is refused 421 in SocketQueue\'s shape; the console keeps its own', async () => {
  const named = await httpCall(port, 'POST', '/', { 'content-type': 'application/x-www-form-urlencoded', host: `gateway.internal:${port}` }, purchase(700041));
  assert.equal(named.status, 421);
  const body = JSON.parse(named.body) as { result: string; errors: string[] };
  assert.equal(body.result, '');
  assert.match(body.errors.join(', '), /its own address, an IP address or localhost in Host/);
  const consolePage = await httpCall(port, 'GET', '/console', { host: `gateway.internal:${port}` });
  assert.equal(consolePage.status, 421);
  assert.equal((JSON.parse(consolePage.body) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_HOST');
});

test('SocketQueue HTTP – a body of more keys than a message, or nested 40,000 levels deep, is 400 naming the count or depth', async () => {
  const keys: Record<string, unknown> = JSON.parse(purchase(700051)) as Record<string, unknown>;
  for (let i = 0; i < 2000; i++) keys[`k${i}`] = 1;
  const many = await httpCall(port, 'POST', '/', { 'content-type': 'application/x-www-form-urlencoded' }, JSON.stringify(keys));
  assert.equal(many.status, 400);
  assert.match((JSON.parse(many.body) as { errors: string[] }).errors[0] ?? '', /^the body holds 2013 keys, more than a message can \(at most \d+\)$/);
  // 240,013 bytes: under the port's body limit (256 KiB), so the depth is what is refused.
  const deep = '{"a":'.repeat(40_000) + '"constructor"' + '}'.repeat(40_000);
  const nested = await httpCall(port, 'POST', '/', { 'content-type': 'application/x-www-form-urlencoded' }, deep);
  assert.equal(nested.status, 400);
  assert.match((JSON.parse(nested.body) as { errors: string[] }).errors[0] ?? '', /^the body nests 40000 levels deep/);
  approved(await httpCall(port, 'POST', '/', {}, purchase(700052)), 'the next purchase');
});

test('SocketQueue HTTP with a token – curl -d\'s form type still carries the JSON message', async () => {
  approved(await httpCall(tokenPort, 'POST', '/', { ...FORM, ...BEARER }, purchase(710001)), 'form type with the token');
});

test('SocketQueue HTTP with a token – form fields never become a message: refused as not JSON, the PAN not echoed', async () => {
  const r = await httpCall(tokenPort, 'POST', '/', { ...FORM, ...BEARER }, '2=4761739001010010&0=0200&3=0&4=1000');
  assert.equal(r.status, 400, r.body);
  assert.deepEqual(JSON.parse(r.body), { result: '', errors: ['the body is not valid JSON'] });
});

test('SocketQueue HTTP with a token – the sign-in form still reads its fields on POST /console/login', async () => {
  const right = await httpCall(tokenPort, 'POST', '/console/login', FORM, `token=${TOKEN}`);
  assert.equal(right.status, 303);
  const wrong = await httpCall(tokenPort, 'POST', '/console/login', FORM, 'token=nope');
  assert.equal(wrong.status, 401);
  assert.match(wrong.body, /<form/);
});

test('SocketQueue HTTP with a token – no token is 401 and a cross-site POST 403, in SocketQueue\'s shape; the console keeps its own', async () => {
  const none = await httpCall(tokenPort, 'POST', '/', FORM, purchase(710002));
  assert.equal(none.status, 401);
  assert.deepEqual(JSON.parse(none.body), { result: '', errors: ['this HTTP port asks for a token: Authorization: Bearer TOKEN'] });
  const cross = await httpCall(tokenPort, 'POST', '/', { ...FORM, ...BEARER, origin: 'http://evil.example' }, purchase(710003));
  assert.equal(cross.status, 403);
  const crossBody = JSON.parse(cross.body) as { result: string; errors: string[] };
  assert.equal(crossBody.result, '');
  assert.match(crossBody.errors.join(), /Origin is not this server/);
  const consoleApi = await httpCall(tokenPort, 'GET', '/console/events', {});
  assert.equal(consoleApi.status, 401);
  assert.equal((JSON.parse(consoleApi.body) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_UNAUTHORIZED');
});
