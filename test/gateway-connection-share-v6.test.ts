/**
 * The per-address connection share on the gateway's IPv6 loopback listeners, with the real binary: every port bound to
 * `::1` (`--http-bind`, `--metrics-host`), so that each client is an IPv6 peer counted by its /64. At
 * `--http-max-connections-per-address`, a client's new connection closes its own oldest idle one though the port is
 * far from its cap; the `--metrics` port and the `--stats-port` take `--metrics-max-connections-per-address` the same
 * way. Skipped, saying why, on a machine without `::1`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawHttp, readUntil, within } from '@iso8583/test-support';
import type { RawHttp } from '@iso8583/test-support';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { startGateway, stopAll } from './helpers/cli.js';

const DEADLINE = 15_000;
/** The share of one address on each port (the caps are far above it). */
const SHARE = 2;

/** Whether this machine can listen on `::1` (no IPv6 loopback in some containers). */
async function hasIpv6Loopback(): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
}

const ipv6 = await hasIpv6Loopback();

describe('per-address connection share on IPv6 loopback', { skip: ipv6 ? false : 'this machine has no IPv6 loopback (::1)' }, () => {
  const work = mkdtempSync(join(tmpdir(), 'iso8583-share-v6-'));
  const opened: RawHttp[] = [];
  let bank: ScriptedBank;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    bank = await startBank(approve);
    gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--http-bind', '::1', '--metrics', '0', '--metrics-host', '::1', '--stats-port', '0',
      '--http-max-connections', '50', '--http-max-connections-per-address', String(SHARE),
      '--metrics-max-connections', '50', '--metrics-max-connections-per-address', String(SHARE),
      '--reversal-journal', join(work, 'journal'), '--log-level', 'warn',
    ]);
  });
  after(async () => {
    for (const c of opened) c.socket.destroy();
    await stopAll();
    await bank.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** An idle keep-alive connection from `::1` to `port`, answered once. */
  async function idle(port: number): Promise<RawHttp> {
    const conn = rawHttp(port, '::1');
    opened.push(conn);
    conn.socket.write(`GET /stats HTTP/1.1\r\nHost: [::1]:${port}\r\n\r\n`);
    await readUntil(conn, /^HTTP\/1\.1 \d{3}[\s\S]*\r\n\r\n/);
    return conn;
  }

  /** The gateway's connection figures of `port` (`/stats` on the `--metrics` port). */
  async function figures(port: 'http' | 'metrics' | 'statsPort'): Promise<{ held: number; evicted: number }> {
    const conn = rawHttp(gw.metrics!.port, '::1');
    conn.socket.write(`GET /stats HTTP/1.1\r\nHost: [::1]:${gw.metrics!.port}\r\nConnection: close\r\n\r\n`);
    await within(conn.closed, DEADLINE, '/stats was not answered');
    const stats = JSON.parse(conn.text().slice(conn.text().indexOf('\r\n\r\n') + 4)) as {
      connections: Record<string, { held: number; evicted: number }>;
    };
    return stats.connections[port]!;
  }

  test(`the HTTP port on ::1: a client's connection past --http-max-connections-per-address (${SHARE}) closes its own oldest idle one`, async () => {
    assert.equal(gw.http.host, '::1');
    const conns: RawHttp[] = [];
    for (let i = 0; i < SHARE; i++) conns.push(await idle(gw.http.port));
    assert.equal(conns[0]!.socket.destroyed, false);
    conns.push(await idle(gw.http.port));
    await within(conns[0]!.closed, DEADLINE, 'the oldest connection of ::1 was not closed at its share of the port');
    assert.equal(conns[1]!.socket.destroyed, false, 'a connection other than the oldest was closed');
    assert.ok((await figures('http')).evicted >= 1);
    for (const c of conns) c.socket.destroy();
  });

  test(`the --metrics port on ::1 takes --metrics-max-connections-per-address (${SHARE})`, async () => {
    assert.equal(gw.metrics!.host, '::1');
    const conns: RawHttp[] = [];
    for (let i = 0; i < SHARE + 1; i++) conns.push(await idle(gw.metrics!.port));
    await within(conns[0]!.closed, DEADLINE, 'the oldest --metrics connection of ::1 was not closed at its share');
    assert.equal(conns[SHARE]!.socket.destroyed, false);
    for (const c of conns) c.socket.destroy();
  });

  test(`the --stats-port on ::1 takes --metrics-max-connections-per-address (${SHARE})`, async () => {
    const line = gw.process.lines.find((l) => / stats=/.test(l)) ?? '';
    const port = Number(/ stats=\S*:(\d+)/.exec(line)?.[1]);
    assert.ok(port > 0, `no stats port in the ready line: ${line}`);
    const before = await figures('statsPort');
    // Each connection is written its JSON and kept open by its client (its side not closed): the port holds it until
    // its linger (5 s) ends.
    const conns: Socket[] = [];
    for (let i = 0; i < SHARE + 1; i++) {
      const conn = connect({ port, host: '::1', allowHalfOpen: true });
      conn.on('error', () => undefined);
      conn.resume();
      conns.push(conn);
      await within(new Promise((resolve) => conn.once('end', resolve)), DEADLINE, 'the stats port wrote nothing');
    }
    // The third was accepted (its JSON came) after the oldest of ::1 was closed for it (a reset its client, its reading
    // over, does not see): the port counts it.
    const afterwards = await figures('statsPort');
    assert.ok(afterwards.evicted > before.evicted, `the stats port counted no connection closed for a new one: ${JSON.stringify([before, afterwards])}`);
    for (const c of conns) c.destroy();
  });
});
