// A DNS-rebinding page (its name re-pointed to 127.0.0.1: the browser sends the page's name in Host and treats the
// port as its own origin) cannot lock the operator's address out of an HTTP port with a token: its wrong tokens (a
// bearer header from fetch, `<img src=/console?token=...>`, the sign-in form) are counted by address for unknown names,
// apart from the address's own, so a program on that address with the right token is still answered, and so is a
// browser on the port's own address; the page itself is locked out after 5, as any guesser. A browser on a name the
// port does not know (a TLS proxy's public name) signs in, but not while its address's count for such names is locked
// out (one count for all of them: console-rotating-host). Real HTTP app on 127.0.0.1, the guard's clock fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { httpCall } from '@iso8583/test-support';
import { assembleHttp } from '../src/http/app.js';

const TOKEN = 'rebinding-test-token-5d1e';

test('console guard – a DNS-rebinding page\'s wrong tokens do not lock the operator\'s address out', async (t) => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } }));
  const http = await assembleHttp({ connectors: {}, token: TOKEN, logger, monitoring: { registry: new Registry(), stats: () => ({}) }, guard: { now: () => 1_800_000_000_000 } });
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  t.after(() => http.app.close());
  const page = { host: `evil.test:${port}`, 'sec-fetch-site': 'same-origin' };
  const proxied = { host: 'gateway.example:443', 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' };
  assert.equal((await httpCall(port, 'GET', `/console?token=${TOKEN}`, proxied)).status, 303, 'a TLS proxy\'s public name signs in');

  // Two of each of the three ways the guard counts: twice past the 5 that lock an address out.
  const seen: number[] = [];
  for (let i = 0; i < 2; i++) {
    seen.push((await httpCall(port, 'GET', '/stats', { ...page, 'sec-fetch-mode': 'cors', authorization: `Bearer guess-${i}` })).status);
    seen.push((await httpCall(port, 'GET', `/console?token=guess-img-${i}`, { ...page, 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' })).status);
    const form = `token=guess-form-${i}`;
    seen.push(
      (await httpCall(port, 'POST', '/console/login', { ...page, origin: `http://evil.test:${port}`, 'sec-fetch-mode': 'navigate', 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(form.length) }, form)).status,
    );
  }
  assert.deepEqual(seen, [401, 401, 401, 401, 401, 429], 'the page is locked out after 5, as any guesser');
  // Even the right token from the page's name is refused now (no oracle for it).
  assert.equal((await httpCall(port, 'GET', '/stats', { ...page, authorization: `Bearer ${TOKEN}` })).status, 429);

  // A program on the same address with the right token is answered (before the fix: 429 for a minute, doubling).
  assert.equal((await httpCall(port, 'GET', '/stats', { authorization: `Bearer ${TOKEN}` })).status, 200);
  // So is a browser on the port's own address; on another unknown name it is locked out with the page's (one count).
  assert.equal((await httpCall(port, 'GET', '/stats', { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin', authorization: `Bearer ${TOKEN}` })).status, 200);
  assert.equal((await httpCall(port, 'GET', `/console?token=${TOKEN}`, proxied)).status, 429);

  const locked = lines.filter((l) => l.includes('too many wrong tokens'));
  assert.equal(locked.length, 1, 'one lockout');
  assert.match(locked[0] as string, /"peer":"127\.0\.0\.1 \(Host evil\.test\)"/, 'the page\'s name is named with the address');
  for (const line of lines) assert.doesNotMatch(line, /guess-|rebinding-test-token/, 'no token in the log');
});
