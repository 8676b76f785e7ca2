/**
 * The gateway's HTTP port and `--metrics` port hold a bounded number of connections (each holds a file descriptor the
 * POS listener, the upstream links and the journal share), with the real binary and a real bank peer: at
 * `--http-max-connections` a new client makes room by closing the oldest idle connection (a keep-alive between
 * requests) and is served, else the oldest whose answers only wait for a client that reads nothing, else the oldest
 * holding a console event stream, else, of those whose request is still arriving (no route has run) and those just
 * accepted, the one least recently heard from gives way (one arriving is answered 503
 * ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS: a body being uploaded keeps its connection); only when every connection held has a route running (a payment at the
 * bank) is a new one refused with that 503. The `--metrics` port holds 64 the same way. The bank is a scripted one
 * (test/helpers/bank.ts) that can hold its answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpCall, midRequest, rawHttp, readUntil, waitUntil, within } from '@iso8583/test-support';
import type { RawHttp } from '@iso8583/test-support';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { startGateway, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-http-cap-'));
/** The gateway's `--http-max-connections`. */
const CAP = 4;
/** The `--metrics` port's cap (packages/cli/src/http/connection-cap.ts). */
const METRICS_CAP = 64;
/** A deadline for what must happen well before Fastify's keep-alive timeout (72 s) or the request bound (30 s). */
const DEADLINE = 15_000;

/** A keep-alive connection that has been answered once and now sits idle between requests. */
async function idleKeepAlive(port: number, path: string): Promise<RawHttp> {
  const conn = rawHttp(port);
  conn.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  await readUntil(conn, /^HTTP\/1\.1 \d{3}[\s\S]*\r\n\r\n/);
  return conn;
}

/** Resolves once `p`'s stderr (its log) matches `pattern`. */
function stderrMatch(p: CliProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    // Read after the helper's own listener has added the chunk.
    const later = (): void => void setImmediate(look);
    function look(): void {
      if (!pattern.test(p.stderr())) return;
      p.child.stderr?.off('data', later);
      resolve();
    }
    p.child.stderr?.on('data', later);
    look();
  });
}

const purchase = (stan: string): string =>
  JSON.stringify({ '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': stan, '14': '2812', '41': 'CAPTEST1', '49': '840' });

describe('the gateway\'s HTTP connection caps', () => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  const opened: RawHttp[] = [];
  let bank: ScriptedBank;
  /** The bank's held purchases (STAN 00032x), answered by {@link releaseHeld}. */
  const held: (() => void)[] = [];
  let holding = true;
  const releaseHeld = (): void => {
    holding = false;
    for (const answer of held.splice(0)) answer();
  };
  /** Resolves once the bank has the purchase `stan`. */
  const atBank = (stan: string): Promise<unknown> => bank.waitFor((m) => m['0'] === '0200' && m['11'] === stan, DEADLINE);
  before(async () => {
    bank = await startBank(approve);
    bank.onRequest((request, write) => {
      if (holding && request['0'] === '0200' && String(request['11']).startsWith('00032')) held.push(() => write(approve(request)));
      else write(approve(request));
    });
    gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--http-max-connections', String(CAP),
      '--metrics', '0',
      '--reversal-journal', join(work, 'journal'),
      '--log-level', 'warn',
    ]);
  });
  after(async () => {
    for (const c of opened) c.socket.destroy();
    releaseHeld();
    await stopAll();
    await bank.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('at the cap, the oldest idle keep-alive connection is closed and the new client is answered', async () => {
    const idle: RawHttp[] = [];
    for (let i = 0; i < CAP; i++) idle.push(await idleKeepAlive(gw.http.port, '/nothing-here'));
    opened.push(...idle);
    const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, purchase('000301'));
    assert.equal(answer.status, 200, answer.body);
    assert.match(answer.body, /"39":"00"/);
    await within(idle[0]!.closed, DEADLINE, 'the oldest idle connection was not closed for the new client');
  });

  test('every connection mid-body: the oldest stalled one is answered 503 ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS and a new purchase is served', async () => {
    const stalled: RawHttp[] = [];
    for (let i = 0; i < CAP; i++) stalled.push(await midRequest(gw.http.port, Buffer.byteLength(purchase(`00031${i}`))));
    opened.push(...stalled);
    const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, purchase('000302'));
    assert.equal(answer.status, 200, answer.body);
    assert.match(answer.body, /"39":"00"/);
    await within(stalled[0]!.closed, DEADLINE, 'the oldest stalled connection was not closed for the new client');
    assert.match(stalled[0]!.text(), /HTTP\/1\.1 503 [\s\S]*"code":"ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS"/);
    // The others still hold their requests: the second one's body comes and it is answered.
    stalled[1]!.socket.write(purchase('000311'));
    await readUntil(stalled[1]!, /HTTP\/1\.1 200 [\s\S]*"39":"00"/);
    for (const c of stalled) c.socket.destroy();
    await Promise.all(stalled.map((c) => c.closed));
  });

  test('a purchase uploaded a byte at a time keeps its connection while silent connections come and go at the cap', async () => {
    const body = purchase('000305');
    const uploader = await midRequest(gw.http.port, Buffer.byteLength(body));
    opened.push(uploader);
    // Each byte leaves at once (Nagle's algorithm would hold it until the gateway's delayed acknowledgement of the last).
    uploader.socket.setNoDelay(true);
    const silent: RawHttp[] = [];
    const httpFigures = async (): Promise<{ held: number; evicted: number }> =>
      (JSON.parse((await httpCall(gw.metrics!.port, 'GET', '/stats', {})).body) as { connections: { http: { held: number; evicted: number } } }).connections.http;
    try {
      // The earlier tests' idle connections give way first; then each new silent one is at the cap with the upload.
      const rounds = CAP + 4;
      for (let i = 0; i < rounds; i++) {
        uploader.socket.write(body.slice(i, i + 1));
        // The gateway has read the byte once it answers a request sent after it (one loop, one epoll set).
        const before = await httpFigures();
        const conn = rawHttp(gw.http.port);
        silent.push(conn);
        await waitUntil(async () => {
          const now = await httpFigures();
          return now.evicted > before.evicted || now.held > before.held;
        }, { timeoutMs: DEADLINE, what: `the silent connection ${i} to be taken` });
        assert.equal(uploader.socket.destroyed, false, `the upload was cut for silent connection ${i}: ${JSON.stringify(uploader.text())}`);
      }
      await within(Promise.all(silent.slice(0, 3).map((c) => c.closed)), DEADLINE, 'the oldest silent connections were not closed for the newer ones');
      uploader.socket.write(body.slice(rounds));
      await within(readUntil(uploader, /HTTP\/1\.1 200 [\s\S]*"39":"00"/), DEADLINE, 'the uploaded purchase was not answered');
    } finally {
      for (const c of [uploader, ...silent]) c.socket.destroy();
      await Promise.all([uploader, ...silent].map((c) => c.closed));
    }
  });

  test('every connection holds answers its client does not read (pipelined page requests, no token asked): the oldest is closed and a new purchase is served', async () => {
    // Each asks for the console's script 400 times in one write (some 4.8 MB of answers, more than the socket buffers
    // take) and reads none of it past the first answer's head: its answers wait for ever, no route running.
    const readers: RawHttp[] = [];
    for (let i = 0; i < CAP; i++) {
      const conn = rawHttp(gw.http.port);
      conn.socket.write(`GET /console/console.js HTTP/1.1\r\nHost: 127.0.0.1:${gw.http.port}\r\n\r\n`.repeat(400));
      await readUntil(conn, /^HTTP\/1\.1 200 /);
      conn.socket.pause();
      readers.push(conn);
    }
    opened.push(...readers);
    try {
      // Every one of them had its routes run by now but for a turn of the server's loop: a 503 until then is let pass.
      const until = Date.now() + DEADLINE;
      let answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, purchase('000303'));
      while (answer.status === 503 && Date.now() < until) answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, purchase('000303'));
      assert.equal(answer.status, 200, `a purchase was kept out by connections that read nothing: ${answer.body}`);
      assert.match(answer.body, /"39":"00"/);
      // Read again, the oldest finds its end after what the port had sent it.
      readers[0]!.socket.resume();
      await within(readers[0]!.closed, DEADLINE, 'the oldest connection that read nothing was not closed for the new client');
    } finally {
      // Closed here, not left to the end: the tests after this one need the port's connections back.
      for (const c of readers) c.socket.destroy();
      await Promise.all(readers.map((c) => c.closed));
    }
  });

  test('every connection a console event stream (no token asked): the oldest is closed and a new purchase is served', async () => {
    const streams: RawHttp[] = [];
    for (let i = 0; i < CAP; i++) {
      const conn = rawHttp(gw.http.port);
      conn.socket.write(`GET /console/events HTTP/1.1\r\nHost: 127.0.0.1:${gw.http.port}\r\n\r\n`);
      await readUntil(conn, /^HTTP\/1\.1 200 [\s\S]*\r\n\r\n/);
      streams.push(conn);
    }
    opened.push(...streams);
    try {
      const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, purchase('000304'));
      assert.equal(answer.status, 200, `a purchase was kept out by event streams: ${answer.body}`);
      assert.match(answer.body, /"39":"00"/);
      await within(streams[0]!.closed, DEADLINE, 'the oldest event stream was not closed for the new client');
      for (const c of streams.slice(1)) assert.equal(c.socket.destroyed, false, 'a stream other than the oldest was closed');
    } finally {
      for (const c of streams) c.socket.destroy();
      await Promise.all(streams.map((c) => c.closed));
    }
  });

  test('every connection a payment at the bank: a new one is answered 503 ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS and logged, and each payment is answered', async () => {
    const paying: RawHttp[] = [];
    for (let i = 0; i < CAP; i++) {
      const body = purchase(`00032${i}`);
      const conn = rawHttp(gw.http.port);
      conn.socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${gw.http.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      paying.push(conn);
    }
    opened.push(...paying);
    for (let i = 0; i < CAP; i++) await within(atBank(`00032${i}`), DEADLINE, `purchase 00032${i} did not reach the bank`);
    const refused = rawHttp(gw.http.port);
    await within(refused.closed, DEADLINE, 'the connection over the cap was neither answered nor closed');
    assert.match(refused.text(), /^HTTP\/1\.1 503 /);
    assert.match(refused.text(), /"code":"ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS","message":"this port holds its most connections \(--http-max-connections\), each/);
    for (const c of paying) assert.equal(c.socket.destroyed, false, 'a payment at the bank was closed for the new connection');
    // The gateway's /stats (on the --metrics port) counts it, and the warn line says it.
    const stats = JSON.parse((await httpCall(gw.metrics!.port, 'GET', '/stats', {})).body) as { connections: { http: { refused: number; evicted: number } } };
    assert.ok(stats.connections.http.refused >= 1, JSON.stringify(stats.connections));
    assert.ok(stats.connections.http.evicted >= 1, JSON.stringify(stats.connections));
    const metrics = (await httpCall(gw.metrics!.port, 'GET', '/metrics', {})).body;
    assert.match(metrics, /iso8583_gateway_connections_shed_total\{port="http",outcome="refused"\} [1-9]/);
    await within(stderrMatch(gw.process, /"port":"http","refused":[1-9]\d*,"refusedFromAddress":0,"evicted":\d+,"option":"--http-max-connections","perAddressOption":"--http-max-connections-per-address","max":4,"perAddress":\d+,"msg":"the http port was at its connection cap \(--http-max-connections 4; an address's share --http-max-connections-per-address \d+\)/), DEADLINE,
      `no warn line of the refusal: ${gw.process.stderr().slice(-1000)}`);
    releaseHeld();
    for (let i = 0; i < CAP; i++) await within(readUntil(paying[i]!, /^HTTP\/1\.1 200 [\s\S]*"39":"00"/), DEADLINE, `purchase 00032${i} was not answered`);
    for (const c of paying) c.socket.destroy();
    await Promise.all(paying.map((c) => c.closed));
  });

  test(`the --metrics port holds ${METRICS_CAP} connections: the oldest idle one is closed for a scrape`, async () => {
    const port = gw.metrics!.port;
    const idle: RawHttp[] = [];
    for (let i = 0; i < METRICS_CAP; i++) idle.push(await idleKeepAlive(port, '/stats'));
    opened.push(...idle);
    const scrape = await httpCall(port, 'GET', '/metrics', {});
    assert.equal(scrape.status, 200);
    await within(idle[0]!.closed, DEADLINE, 'the oldest idle connection of the metrics port was not closed for the scrape');
  });
});
