/**
 * The gateway's HTTP port and `--metrics` port hold a bounded number of connections (each holds a file descriptor the
 * POS listener, the upstream links and the journal share), with the real binary and a real simulator: at
 * `--http-max-connections` a new client makes room by closing the oldest idle connection (a keep-alive between
 * requests) and is served; only when every connection held is mid-request is a new one refused, 503
 * ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS. The `--metrics` port holds 64 the same way.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpCall, midRequest, rawHttp, readUntil, within } from '@iso8583/test-support';
import type { RawHttp } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';

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

const purchase = (stan: string): string =>
  JSON.stringify({ '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': stan, '14': '2812', '41': 'CAPTEST1', '49': '840' });

describe('the gateway\'s HTTP connection caps', () => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  const opened: RawHttp[] = [];
  before(async () => {
    const bank = await startSimulator();
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
    await stopAll();
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

  test('every connection mid-request: a new one is answered 503 ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS, and served again once one ends', async () => {
    const busy: RawHttp[] = [];
    const bodies = Array.from({ length: CAP }, (_, i) => purchase(`00031${i}`));
    for (const body of bodies) busy.push(await midRequest(gw.http.port, Buffer.byteLength(body)));
    opened.push(...busy);
    const refused = rawHttp(gw.http.port);
    await within(refused.closed, DEADLINE, 'the connection over the cap was neither answered nor closed');
    assert.match(refused.text(), /^HTTP\/1\.1 503 /);
    assert.match(refused.text(), /"code":"ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS"/);
    // The first one's body comes: it is answered, and its connection, idle again, makes room for the next client.
    busy[0]!.socket.write(bodies[0]!);
    await readUntil(busy[0]!, /HTTP\/1\.1 200 [\s\S]*"39":"00"/);
    const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, purchase('000302'));
    assert.equal(answer.status, 200, answer.body);
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
