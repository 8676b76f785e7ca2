// A guesser that names a new `Host` with each wrong token (and adds the `Sec-Fetch-Site` a browser sends, which any
// program can) gets no more guesses than one that does not: every name the port does not know counts under one count
// per address, locked out after 5; and while the address's own count is locked out, its requests on other names are
// refused too, the right token among them (an answer of 200 would tell the right guess from the wrong ones). Real HTTP
// app on 127.0.0.1, the guard's clock fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { httpCall } from '@iso8583/test-support';
import { assembleHttp } from '../src/http/app.js';

const TOKEN = 'rotating-host-token-8c21';

async function start(t: { after: (fn: () => Promise<void>) => void }, lines: string[]): Promise<number> {
  const logger = pino({ level: 'info' }, new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } }));
  const http = await assembleHttp({ connectors: {}, token: TOKEN, logger, monitoring: { registry: new Registry(), stats: () => ({}) }, guard: { now: () => 1_800_000_000_000 } });
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  t.after(() => http.app.close());
  return port;
}

/** A request on the name `n<i>.attacker.test`, as a browser's (any program can send these headers). */
const rotated = (port: number, i: number, token: string): Promise<{ status: number }> =>
  httpCall(port, 'GET', '/stats', { host: `n${i}.attacker.test:${port}`, 'sec-fetch-site': 'same-origin', authorization: `Bearer ${token}` });

test('console guard – 1000 wrong tokens on 1000 Host names from one address: locked out after 5, the right token too', async (t) => {
  const lines: string[] = [];
  const port = await start(t, lines);
  const counts = new Map<number, number>();
  const first: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const { status } = await rotated(port, i, `guess-${i}`);
    if (i < 6) first.push(status);
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  assert.deepEqual(first, [401, 401, 401, 401, 401, 429]);
  assert.deepEqual([...counts].sort(), [[401, 5], [429, 995]]);
  assert.equal((await rotated(port, 99_999, TOKEN)).status, 429, 'the right token on a new name is refused unread');
  // The address's own count is apart: a program on it with the right token is answered.
  assert.equal((await httpCall(port, 'GET', '/stats', { authorization: `Bearer ${TOKEN}` })).status, 200);
  const locked = lines.filter((l) => l.includes('too many wrong tokens'));
  assert.equal(locked.length, 1, 'one lockout');
  assert.match(locked[0] as string, /"peer":"127\.0\.0\.1 \(Host n4\.attacker\.test\)"/, 'the name in the log line only');
  for (const line of lines) assert.doesNotMatch(line, /guess-|rotating-host-token/, 'no token in the log');
});

test('console guard – an address locked out on its own count is refused on every other Host name too', async (t) => {
  const port = await start(t, []);
  const seen: number[] = [];
  for (let i = 0; i < 6; i++) seen.push((await httpCall(port, 'GET', '/stats', { authorization: `Bearer wrong-${i}` })).status);
  assert.deepEqual(seen, [401, 401, 401, 401, 401, 429]);
  assert.equal((await rotated(port, 1, 'guess-after-lockout')).status, 429, 'a wrong token on a new name is not compared');
  assert.equal((await rotated(port, 2, TOKEN)).status, 429, 'nor the right one');
  const signIn = await httpCall(port, 'GET', `/console?token=${TOKEN}`, { host: 'n3.attacker.test', 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' });
  assert.equal(signIn.status, 429);
});
