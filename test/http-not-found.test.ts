/**
 * A request no route takes is answered 404 `ISO8583_ERR_CONSOLE_NOT_FOUND` on the gateway's HTTP port and on its
 * `--metrics` port, without the method or the path (Fastify's own answer repeated the path, a PAN in it included);
 * a URL with a malformed escape is a coded 400 without it; and the request log shows a percent-encoded PAN in a path or
 * a query key masked as a plain one.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-not-found-'));
const PAN = '4761739001010010';
const OTHER = '5413330089010434';
/** `4761739001010010` with every digit percent-encoded, as a client may send it. */
const ENCODED = [...PAN].map((d) => `%3${d}`).join('');
/** The same, its escapes escaped four times more (`%3` as `%253`, ...): past what the log decodes, so not shown. */
const fiveTimes = [...PAN].map((d) => `%25252525253${d}`).join('');

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test('gateway – a path no route takes is a coded 404 without the path, a malformed escape a coded 400, on --http and --metrics; the request log masks an encoded PAN', async () => {
  const bank = await startSimulator();
  const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--metrics', '0', '--reversal-journal', join(work, 'journal'), '--log-level', 'info']);
  const metrics = gw.metrics;
  assert.ok(metrics !== undefined);
  const http = `http://${gw.http.host}:${gw.http.port}`;
  const asked: [string, string][] = [
    ['POST', `${http}/${OTHER}/x`],
    ['GET', `${http}/stats/${PAN}`],
    ['GET', `${http}/${ENCODED}`],
    ['GET', `${http}/x?${ENCODED}=1`],
    ['GET', `${http}/${fiveTimes}`],
    ['GET', `http://${metrics.host}:${metrics.port}/${PAN}`],
    ['POST', `http://${metrics.host}:${metrics.port}/${ENCODED}?x=${OTHER}`],
  ];
  for (const [method, url] of asked) {
    const res = await fetch(url, { method, ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) });
    const text = await res.text();
    assert.equal(res.status, 404, `${method} ${url}`);
    assert.deepEqual((JSON.parse(text) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_NOT_FOUND');
    for (const secret of [PAN, OTHER, ENCODED, '%34', 'Route']) assert.ok(!text.includes(secret), `${url}: ${text}`);
  }
  // A URL Fastify cannot route (a malformed escape) is a coded 400, the path not repeated either.
  for (const url of [`${http}/x/${PAN}%zz`, `http://${metrics.host}:${metrics.port}/x/${PAN}%zz`]) {
    const res = await fetch(url);
    const text = await res.text();
    assert.equal(res.status, 400, url);
    assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_INPUT');
    assert.ok(!text.includes(PAN), `${url}: ${text}`);
  }
  // Once the gateway has stopped, its log is complete: the encoded PAN of the path and of the query key decoded and masked.
  gw.process.kill('SIGTERM');
  assert.equal((await gw.process.exited).code, 0);
  const logged = gw.process.stdout() + gw.process.stderr();
  assert.match(logged, /"method":"GET","url":"\/476173\*{6}0010","status":404/);
  assert.match(logged, /"method":"GET","url":"\/x\?476173\*{6}0010=\*\*\*","status":404/);
  assert.match(logged, /"method":"GET","url":"\[a URL with a malformed escape\]","status":400/);
  assert.match(logged, /"method":"GET","url":"\[escaped more than 4 times: not shown\]","status":404/);
  for (const secret of [PAN, OTHER, ENCODED, '%253']) assert.ok(!logged.includes(secret), secret);
  bank.process.kill();
});
