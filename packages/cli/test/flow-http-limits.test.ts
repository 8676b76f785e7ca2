// A flow's HTTP port takes the gateway's three limits, `http.maxConnections` (`--http-max-connections`, 1000),
// `http.maxConnectionsPerAddress` (`--http-max-connections-per-address`, the cap less a tenth) and `http.maxHeldBack`
// (`--http-max-held-back`, 16384), with the same checks (an integer from 1; anything else is ISO8583_ERR_FLOW_INVALID
// naming the JSON path) and the same effect. Real files, a real flow, real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { rawHttp, readUntil, tempFolder, within } from '@iso8583/test-support';
import type { RawHttp } from '@iso8583/test-support';
import { loadFlow, startFlow } from '../src/index.js';

type After = { after(fn: () => unknown): void };

const DEADLINE = 30_000;

/** A flow file with only an HTTP section (`http` merged in), in a folder removed after the test's other hooks. */
function flowFile(t: After, http: Record<string, unknown>): string {
  const dir = tempFolder(t, 'iso8583-flow-http-');
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({ name: 'limits', connectors: {}, http: { port: 0, ...http }, logLevel: 'warn' }));
  return file;
}

/** Every line a pino logger writes, and the first line holding `text` once written. */
function capture(): { logger: pino.Logger; line: (text: string) => Promise<Record<string, unknown>> } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const find = (text: string): string | undefined => chunks.join('').split('\n').find((l) => l.includes(text));
  const line = (text: string): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const look = (): void => {
        const found = find(text);
        if (found === undefined) return;
        stream.off('data', later);
        resolve(JSON.parse(found) as Record<string, unknown>);
      };
      // Read after the capture's own listener has added the chunk.
      const later = (): void => void setImmediate(look);
      stream.on('data', later);
      look();
    });
  return { logger: pino({ level: 'warn' }, stream), line };
}

/** A flow with only an HTTP section (`http` merged in), started, closed after the test: its port and its log lines. */
async function startLimited(t: After, http: Record<string, unknown>): Promise<{ port: number; line: (text: string) => Promise<Record<string, unknown>> }> {
  const log = capture();
  const running = await startFlow(loadFlow(flowFile(t, http)), log.logger);
  t.after(() => running.close(0));
  return { port: (running.http as { port: number }).port, line: log.line };
}

/** A keep-alive connection answered once, now idle between requests (destroyed after the test). */
async function idleKeepAlive(t: After, port: number): Promise<RawHttp> {
  const conn = rawHttp(port);
  t.after(() => conn.socket.destroy());
  conn.socket.write(`GET /stats HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  await readUntil(conn, /^HTTP\/1\.1 200[\s\S]*\r\n\r\n/);
  return conn;
}

test('flow http limits – maxConnections, maxConnectionsPerAddress and maxHeldBack below 1 or not integers are ISO8583_ERR_FLOW_INVALID naming each path', (t) => {
  const file = flowFile(t, { maxConnections: 0, maxConnectionsPerAddress: 0, maxHeldBack: 1.5 });
  assert.throws(
    () => loadFlow(file),
    (err: { code?: string; problems?: { field: string }[] }) => {
      assert.equal(err.code, 'ISO8583_ERR_FLOW_INVALID');
      assert.deepEqual(err.problems?.map((p) => p.field.replace(/^.* /, '')).sort(), ['/http/maxConnections', '/http/maxConnectionsPerAddress', '/http/maxHeldBack']);
      return true;
    },
  );
  assert.throws(() => loadFlow(flowFile(t, { maxConnectionsPerAddress: '3' })), (err: { code?: string; problems?: { field: string }[] }) => {
    assert.equal(err.code, 'ISO8583_ERR_FLOW_INVALID');
    assert.deepEqual(err.problems?.map((p) => p.field.replace(/^.* /, '')), ['/http/maxConnectionsPerAddress']);
    return true;
  });
  const flow = loadFlow(flowFile(t, { maxConnections: 2, maxConnectionsPerAddress: 1, maxHeldBack: 300 }));
  assert.deepEqual([flow.http?.maxConnections, flow.http?.maxConnectionsPerAddress, flow.http?.maxHeldBack], [2, 1, 300]);
});

test('flow http limits – at http.maxConnections a new client makes room by closing the oldest idle connection', async (t) => {
  const { port, line } = await startLimited(t, { maxConnections: 2 });
  const first = await idleKeepAlive(t, port);
  const second = await idleKeepAlive(t, port);
  await idleKeepAlive(t, port);
  await within(first.closed, DEADLINE, 'the oldest idle connection closed for the third, at maxConnections 2');
  assert.equal(second.socket.destroyed, false, 'the second connection is kept');
  // The shed line names the flow's options, not the gateway's flags.
  const shed = await within(line('connection cap'), DEADLINE, 'the shed line');
  assert.equal(shed.option, '/http/maxConnections');
  assert.equal(shed.perAddressOption, '/http/maxConnectionsPerAddress');
  assert.match(String(shed.msg), /\(\/http\/maxConnections 2; an address's share \/http\/maxConnectionsPerAddress \d+\)/);
});

test('flow http limits – at http.maxConnectionsPerAddress an address makes room among its own connections, below the cap', async (t) => {
  // At the default share (the cap less a tenth: 9 of 10) the second connection would be held beside the first.
  const { port, line } = await startLimited(t, { maxConnections: 10, maxConnectionsPerAddress: 1 });
  const first = await idleKeepAlive(t, port);
  const second = await idleKeepAlive(t, port);
  await within(first.closed, DEADLINE, 'the address\'s idle connection closed for its second, at maxConnectionsPerAddress 1');
  assert.equal(second.socket.destroyed, false, 'the second connection is kept');
  const shed = await within(line('connection cap'), DEADLINE, 'the shed line');
  assert.deepEqual([shed.option, shed.max, shed.perAddressOption, shed.perAddress], ['/http/maxConnections', 10, '/http/maxConnectionsPerAddress', 1]);
  assert.match(String(shed.msg), /\(\/http\/maxConnections 10; an address's share \/http\/maxConnectionsPerAddress 1\)/);
});

test('flow http limits – past http.maxHeldBack the non-reader holding the most is closed, logged with the budget', async (t) => {
  const { port, line: logLine } = await startLimited(t, { maxHeldBack: 300 });
  const clients: Socket[] = [];
  t.after(() => clients.forEach((s) => s.destroy()));
  const request = `GET /stats HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
  for (let i = 0; i < 2; i++) {
    const s = connect({ port, host: '127.0.0.1' });
    s.pause(); // never reads a byte
    s.on('error', () => undefined);
    clients.push(s);
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    s.write(request.repeat(20_000));
  }
  const line = await within(logLine('"ISO8583_ERR_CONSOLE_HELD_BACK"'), DEADLINE, 'a held-back close logged');
  assert.equal(line.max, 300, 'the flow\'s budget, not the default 16384');
  assert.equal(line.option, '/http/maxHeldBack', 'the flow\'s option, not the gateway\'s flag');
  assert.match(String(line.msg), /over \/http\/maxHeldBack \(300\)/);
});
