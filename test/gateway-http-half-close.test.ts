/**
 * A client that ends its side of the connection once its purchase is sent (a half-close) still reads the answer, with
 * the real binary: Node's HTTP server took the client's end as the end of the connection, aborted the purchase still at
 * the bank and ended the connection at once, so the client got a closed connection and no answer, and the approval
 * was reversed. Now the answer is written, then the connection is closed; nothing is reversed. A console event stream
 * whose client ends its side is closed at once, as before (it runs until its client goes).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpCall, rawHttp, readUntil, within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { startGateway, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-http-half-close-'));
/** How long a wait may take before the test fails as hung: a deadline, never a timing. */
const HUNG = 30_000;

const purchase = (stan: string, terminal: string): string =>
  JSON.stringify({ '0': '0200', '3': '000000', '4': '000000001000', '11': stan, '14': '2812', '41': terminal, '2': '4111111111111111' });

let bank: ScriptedBank;
let gw: Awaited<ReturnType<typeof startGateway>>;
/** The answers the bank holds for terminal HALF0001, by STAN. */
const held = new Map<string, (reply: IsoMessage) => void>();

before(async () => {
  bank = await startBank((request) => approve(request));
  bank.onRequest((request, write) => {
    if (request['41'] === 'HALF0001') held.set(String(request['11']), write);
    else write(approve(request));
  });
  gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', join(work, 'journal'), '--log-level', 'warn']);
});

after(async () => {
  await stopAll();
  await bank.close();
  rmSync(work, { recursive: true, force: true });
});

test('a client that half-closes once its purchase is sent reads the approval, then the connection closes; nothing is reversed', async () => {
  const port = gw.http.port;
  const conn = rawHttp(port);
  try {
    const body = purchase('000501', 'HALF0001');
    // The purchase, then the client's end (its FIN) at once: it has nothing more to send.
    conn.socket.end(`POST /?timeout=${HUNG} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const request = await bank.waitFor((m) => m['11'] === '000501', HUNG);
    // A round trip on another connection: the gateway has had its turn to read the client's end, sent before it.
    const ping = await within(httpCall(port, 'POST', '/', { 'content-type': 'application/json' }, purchase('000502', 'HALF0002')), HUNG, 'another connection was not answered');
    assert.equal(ping.status, 200, ping.body);
    held.get('000501')?.(approve(request));
    await within(conn.closed, HUNG, 'the half-closed connection was never closed');
    assert.match(conn.text(), /^HTTP\/1\.1 200 [\s\S]*"39":"00"/, `the approval was not written: ${JSON.stringify(conn.text())}`);
    assert.equal(conn.text().match(/HTTP\/1\.1 /g)?.length, 1, `one answer: ${JSON.stringify(conn.text())}`);
    // Another purchase answered after: the gateway has had its turn to reverse what it took for undelivered.
    const next = await httpCall(port, 'POST', '/', { 'content-type': 'application/json' }, purchase('000503', 'HALF0002'));
    assert.equal(next.status, 200, next.body);
    assert.equal(bank.received.filter((m) => String(m['0']).startsWith('04') && m['11'] === '000501').length, 0, 'the approval the client read was reversed');
  } finally {
    conn.socket.destroy();
  }
});

test('a console event stream whose client ends its side is closed by the gateway, not streamed on', async () => {
  const port = gw.http.port;
  const conn = rawHttp(port);
  try {
    conn.socket.write(`GET /console/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    await within(readUntil(conn, /^HTTP\/1\.1 200 [\s\S]*event: hello/), HUNG, 'the stream did not start');
    // The client ends its side and goes on reading: the stream's events would keep coming, one a tick, for ever.
    conn.socket.end();
    await within(conn.closed, HUNG, 'the stream of a client that ended its side was never closed');
  } finally {
    conn.socket.destroy();
  }
});
