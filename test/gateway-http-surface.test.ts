/**
 * The gateway's HTTP surface with the real binary: a browser request from another site never reaches the bank, a
 * DNS-rebinding Host is refused on a port without a token, `--http-bind` keeps the HTTP port on loopback while
 * `--bind` takes remote terminals (and the start warns when it does not), traces and the request log show no value a
 * client put where it does not belong, and an MTI a client makes up is counted as `other`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec } from '@iso8583/codec';
import { httpCall, waitUntil } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-http-surface-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const PAN = '4761739001010010';

const call = httpCall;

/** Resolves once stderr holds a line matching `pattern` (the request log is written after the answer). */
async function logged(p: CliProcess, pattern: RegExp): Promise<void> {
  await waitUntil(() => pattern.test(p.stderr()) || undefined, { what: `a log line ${pattern}`, timeoutMs: 10_000, intervalMs: 20 });
}

const codec = createCodec('iso87ascii');
const purchase = (stan: string, terminal: string): Record<string, string> => ({ '0': '0200', '2': '5413330089010434', '3': '000000', '4': '000000099900', '11': stan, '14': '2812', '41': terminal });

describe('a gateway without a token on 127.0.0.1', () => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    const bank = await startSimulator();
    gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', join(work, 'a'), '--log-level', 'debug'], { env: { ISO8583_LOG_FORMAT: 'json' } });
  });

  test('POST /raw from another site (text/plain, Origin elsewhere) is refused with 403 before it reaches the bank; a client without Origin goes through', async () => {
    const hex = codec.pack(purchase('000777', 'CSRF0001')).toString('hex');
    const evil = await call(gw.http.port, 'POST', '/raw', { 'content-type': 'text/plain', origin: 'http://evil.example' }, hex);
    assert.equal(evil.status, 403);
    assert.equal((JSON.parse(evil.body) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONNECTOR_CROSS_SITE');
    const fetchSite = await call(gw.http.port, 'POST', '/', { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, JSON.stringify(purchase('000778', 'CSRF0001')));
    assert.equal(fetchSite.status, 403);
    const otherPort = await call(gw.http.port, 'POST', '/raw', { 'content-type': 'text/plain', origin: `http://127.0.0.1:${gw.http.port + 1}` }, hex);
    assert.equal(otherPort.status, 403, 'another port of the same host is another origin');
    const none = await call(gw.http.port, 'GET', '/transactions?terminal=CSRF0001', {});
    assert.deepEqual((JSON.parse(none.body) as { result: unknown[] }).result, [], 'nothing reached the bank');
    // Server to server (curl, SocketQueue's callers): no Origin, no Sec-Fetch-Site.
    const plain = await call(gw.http.port, 'POST', '/raw', { 'content-type': 'text/plain' }, codec.pack(purchase('000779', 'SRV00001')).toString('hex'));
    assert.equal(plain.status, 200);
    // The page's own origin is its own site.
    const same = await call(gw.http.port, 'POST', '/', { 'content-type': 'application/json', origin: `http://127.0.0.1:${gw.http.port}`, host: `127.0.0.1:${gw.http.port}` }, JSON.stringify(purchase('000780', 'SRV00001')));
    assert.equal(same.status, 200);
  });

  test('a Host naming another machine (DNS rebinding) is refused with 421; IP addresses and localhost are answered', async () => {
    const rebound = await call(gw.http.port, 'GET', '/transactions', { host: `evil.example:${gw.http.port}` });
    assert.equal(rebound.status, 421);
    assert.equal((JSON.parse(rebound.body) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_HOST');
    assert.equal((await call(gw.http.port, 'GET', '/console', { host: 'evil.example' })).status, 421);
    for (const host of [`localhost:${gw.http.port}`, `127.0.0.1:${gw.http.port}`, `[::1]:${gw.http.port}`, '10.1.2.3']) {
      assert.equal((await call(gw.http.port, 'GET', '/transactions', { host })).status, 200, host);
    }
  });

  test('a request refused before it was sent shows no "-> upstream" line; a PAN in field 11, ?timeout= or the path never reaches the log', async () => {
    await call(gw.http.port, 'POST', '/?timeout=0', { 'content-type': 'application/json' }, JSON.stringify({ '0': '0800', '11': '000013', '41': 'REFUSED1', '70': '301' }));
    await call(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify({ '0': '0200', '3': '000000', '11': PAN, '41': 'REFUSED2' }));
    await call(gw.http.port, 'POST', `/?timeout=${PAN}`, { 'content-type': 'application/json' }, JSON.stringify({ '0': '0800', '11': '000014', '70': '301' }));
    await call(gw.http.port, 'GET', `/transactions/${PAN}`, {});
    // A marker answered after them: every line of the requests above is in the log by then.
    await call(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify({ '0': '0800', '11': '000015', '41': 'MARKER01', '70': '301' }));
    await logged(gw.process, /MARKER01[\s\S]*"status":200/);
    // The transaction recorder's own line (transaction-record.ts) is another change's.
    const err = gw.process.stderr().split('\n').filter((l) => !l.includes('ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD')).join('\n');
    assert.ok(!err.includes(PAN), `the log shows the PAN: ${err.split('\n').filter((l) => l.includes(PAN)).join('\n')}`);
    assert.match(err, /"url":"\/transactions\/476173\*{6}0010","status":404/);
    assert.match(err, /"method":"POST","url":"\/\?timeout=\*\*\*","status":400/);
    const outs = err.split('\n').filter((l) => l.includes('"direction":"out"') && l.includes('"side":"upstream"'));
    assert.ok(!outs.some((l) => l.includes('REFUSED')), `a refused request was traced as sent: ${outs.join('\n')}`);
    assert.ok(outs.some((l) => l.includes('MARKER01')), 'the answered one is traced');
  });

  test('an MTI a client makes up is counted as other in /stats and /metrics', async () => {
    // Of version 0: a reversible class of another version (5200, 7100) is refused before it is counted (fix68j).
    for (const [i, mti] of ['0260', '0370', '0680'].entries()) {
      await call(gw.http.port, 'POST', '/?timeout=200', { 'content-type': 'application/json' }, JSON.stringify({ '0': mti, '11': `00090${i}`, '41': 'MTI00001' }));
    }
    const stats = JSON.parse((await call(gw.http.port, 'GET', '/stats', {})).body) as { upstream: { byMti: Record<string, number> } };
    assert.ok((stats.upstream.byMti.other ?? 0) >= 3, JSON.stringify(stats.upstream.byMti));
    for (const mti of ['0260', '0370', '0680']) assert.equal(stats.upstream.byMti[mti], undefined, mti);
    const metrics = (await call(gw.http.port, 'GET', '/metrics', {})).body;
    assert.doesNotMatch(metrics, /mti="(0260|0370|0680)"/);
    assert.match(metrics, /mti="other"/);
  });
});

describe('--http-bind and the open-port warning', () => {
  let bank: Awaited<ReturnType<typeof startSimulator>>;
  before(async () => {
    bank = await startSimulator();
  });

  test('--bind 0.0.0.0 without a token: the HTTP port follows it and the start logs ISO8583_WARN_HTTP_OPEN', async () => {
    const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', join(work, 'b'), '--bind', '0.0.0.0'], { env: { ISO8583_LOG_FORMAT: 'json' } });
    assert.equal(gw.http.host, '0.0.0.0');
    await logged(gw.process, /ISO8583_WARN_HTTP_OPEN/);
    gw.process.kill('SIGTERM');
    await gw.process.exited;
  });

  test('--bind 0.0.0.0 --http-bind 127.0.0.1: terminals on every address, HTTP on loopback, no warning', async () => {
    const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', join(work, 'c'), '--bind', '0.0.0.0', '--http-bind', '127.0.0.1'], { env: { ISO8583_LOG_FORMAT: 'json' } });
    assert.equal(gw.pos.host, '0.0.0.0');
    assert.equal(gw.http.host, '127.0.0.1');
    gw.process.kill('SIGTERM');
    await gw.process.exited;
    assert.doesNotMatch(gw.process.stderr(), /ISO8583_WARN_HTTP_OPEN/);
  });
});
