/**
 * The console's actions that move money, and who signs in and out, leave a coded line at the default log level (info)
 * of the real gateway binary: each workbench send (peer, how it was let in: `session` or `bearer`, never the token nor
 * the cookie; target, MTI, STAN, terminal, outcome, response code; no card data), refused ones with their code too;
 * each sign-in, refused sign-in (with its reason) and sign-out. Before, an approved send logged nothing at info. A card
 * number sent as a JSON number past 2^53 is refused at the body (it was read as another card and recorded so). A send
 * whose page left before its answer (Fastify's onResponse never comes then) has its line too, outcome `gone`.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawHttp, waitUntil } from '@iso8583/test-support';
import { approve, startBank } from './helpers/bank.js';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';

const TOKEN = 'audit-token-7f3c9e1a2b';
/** A 19-digit number that is no card (not Luhn-valid), sent as a JSON number past 2^53. */
const BIG = '6799990100000000018';

after(() => stopAll());

/** The JSON lines of `text` (the binary's stderr) with `code`. */
function coded(text: string, code: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes(`"code":"${code}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('console audit – sends, sign-ins (refused too) and sign-outs are coded info lines, never a token, a cookie or card data', async () => {
  const host = await startSimulator();
  const gw = await startGateway(['--upstream', `${host.host}:${host.port}`, '--console-send', '--http-token', TOKEN, '--no-transaction-log']);
  const base = `http://${gw.http.host}:${gw.http.port}`;
  const log = (): string => gw.process.stderr();
  const form = (token: string) => fetch(`${base}/console/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });

  // A wrong token at the form, then the right one: a session cookie.
  assert.equal((await form('not-the-token')).status, 401);
  const signedIn = await form(TOKEN);
  assert.equal(signedIn.status, 303);
  const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
  assert.ok(cookie.includes('='), 'a session cookie');

  // An approved send with the session, one with the bearer token whose card number is a JSON number past 2^53.
  const purchase = { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '1000', '7': '1207205000', '11': '000731', '41': 'AUDT0001', '49': '840' };
  const sent = await fetch(`${base}/console/api/send`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ message: purchase }) });
  assert.equal(sent.status, 200, await sent.clone().text());
  const big = JSON.stringify({ message: { ...purchase, '11': '000732' } }).replace('"4111111111111111"', BIG);
  const refused = await fetch(`${base}/console/api/send`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: big });
  const refusedText = await refused.text();
  assert.equal(refused.status, 400, refusedText);
  assert.match(refusedText, /the body gives the key \\"message\.2\\" a number too big to keep every digit: give it as a string/);

  // Signing out with the session.
  assert.equal((await fetch(`${base}/console/logout`, { method: 'POST', redirect: 'manual', headers: { cookie } })).status, 303);

  await waitUntil(() => coded(log(), 'ISO8583_INFO_CONSOLE_SEND').length === 2 && coded(log(), 'ISO8583_INFO_CONSOLE_SIGN_OUT').length === 1, { what: 'the send and sign-out lines', timeoutMs: 10_000 });
  const [answered, bounced] = coded(log(), 'ISO8583_INFO_CONSOLE_SEND');
  const keys = ['code', 'auth', 'target', 'mti', 'stan', 'terminal', 'status', 'outcome', 'responseCode'];
  assert.deepEqual(Object.fromEntries(keys.map((k) => [k, answered?.[k]])), { code: 'ISO8583_INFO_CONSOLE_SEND', auth: 'session', target: 'upstream', mti: '0200', stan: '000731', terminal: 'AUDT0001', status: 200, outcome: 'answered', responseCode: '00' });
  assert.equal(answered?.level, 30, 'info');
  assert.equal(typeof answered?.peer, 'string');
  assert.equal(bounced?.auth, 'bearer');
  assert.equal(bounced?.status, 400);
  assert.equal(bounced?.outcome, 'refused');
  assert.equal(bounced?.error, 'ISO8583_ERR_CONSOLE_INPUT');
  const [wrong] = coded(log(), 'ISO8583_INFO_CONSOLE_SIGN_IN_REFUSED');
  assert.equal(wrong?.reason, 'wrong token');
  assert.equal(wrong?.via, 'form');
  const [inLine] = coded(log(), 'ISO8583_INFO_CONSOLE_SIGN_IN');
  assert.equal(inLine?.via, 'form');
  assert.equal(coded(log(), 'ISO8583_INFO_CONSOLE_SIGN_OUT')[0]?.ended, true);
  // Never the token, the cookie, the card number (nor the big number).
  const text = log();
  assert.ok(!text.includes(TOKEN), 'the token is logged');
  assert.ok(!text.includes(cookie.split('=')[1] as string), 'the cookie is logged');
  assert.ok(!text.includes('4111111111111111') && !text.includes(BIG) && !text.includes('67999901'), 'card data is logged');
});

test('console audit – a send whose page left before its answer still gets its line: outcome gone, with the answer\'s response code (sr68k #1)', async (t) => {
  // The bank holds the answer until the test releases it, once the gateway has seen the page leave.
  const bank = await startBank(approve);
  t.after(() => bank.close());
  let release: (() => void) | undefined;
  bank.onRequest((request, write) => {
    if (request['0'] === '0200') release = () => write(approve(request));
    else write(approve(request));
  });
  // One HTTP connection an address: a new one is refused while the page's connection is busy, taken once it closed.
  const gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--console-send', '--no-transaction-log', '--http-max-connections-per-address', '1']);
  const log = (): string => gw.process.stderr();
  const body = JSON.stringify({ message: { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '1000', '11': '000741', '41': 'AUDT0002', '49': '840' } });
  const page = rawHttp(gw.http.port, gw.http.host);
  page.socket.write(`POST /console/api/send HTTP/1.1\r\nHost: ${gw.http.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await bank.waitFor((m) => m['11'] === '000741');
  page.socket.destroy();
  await page.closed;
  // The gateway has seen the close once it takes a new connection from this address.
  await waitUntil(async () => {
    try {
      return (await fetch(`http://${gw.http.host}:${gw.http.port}/console/api/session`)).ok;
    } catch {
      return false;
    }
  }, { what: 'the gateway to see the page leave', timeoutMs: 10_000 });
  (release as () => void)();
  const line = await waitUntil(() => coded(log(), 'ISO8583_INFO_CONSOLE_SEND').find((l) => l.stan === '000741'), { what: 'the send\'s line', timeoutMs: 10_000 });
  assert.equal(line.outcome, 'gone', JSON.stringify(line));
  assert.equal(line.responseCode, '00');
  assert.equal(line.status, undefined);
  assert.equal(line.auth, 'open');
  // The approval the page never got is reversed (its money line), and the send has one line only.
  await bank.waitFor((m) => m['0'] === '0400' || m['0'] === '0420');
  assert.equal(coded(log(), 'ISO8583_INFO_CONSOLE_SEND').filter((l) => l.stan === '000741').length, 1);
  assert.ok(!log().includes('4111111111111111'), 'card data is logged');
});
