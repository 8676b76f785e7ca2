/**
 * What the gateway's HTTP port answers before any route, to a request it cannot read: bytes that are not HTTP (400),
 * headers larger than it reads (431) and a URL with a malformed escape (400). Each carries a code and never quotes what
 * was sent; in SocketQueue mode each is in SocketQueue's `{ result: "", errors: [...] }`, as its clients read every
 * answer (`r.errors.join()`).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-client-errors-'));
const PAN = '4761739001010010';

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** Writes `text` on a connection of its own; resolves with the status and the body the server wrote before it closed. */
function raw(port: number, text: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(answer.slice(9, 12)), body: answer.slice(answer.indexOf('\r\n\r\n') + 4) }));
  });
}

/** Requests no route can read, each with the status it is answered. */
function unreadable(port: number): [string, number, string][] {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  return [
    ['not HTTP', 400, `GARBAGE ${PAN}\r\n\r\n`],
    ['a header line without a colon', 400, `POST / HTTP/1.1\r\n${host}Bad Header ${PAN}\r\n\r\n`],
    ['both content-length and chunked', 400, `POST / HTTP/1.1\r\n${host}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ['headers over 16 KiB', 431, `GET / HTTP/1.1\r\n${host}X-A: ${'a'.repeat(20_000)}${PAN}\r\n\r\n`],
    ['a malformed escape in the URL', 400, `GET /x/${PAN}%zz HTTP/1.1\r\n${host}Connection: close\r\n\r\n`],
  ];
}

test('gateway HTTP – a request that is not HTTP, headers too large or a malformed escape: a coded 400/431 that quotes nothing', async () => {
  const bank = await startSimulator();
  const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', join(work, 'plain')]);
  for (const [what, status, text] of unreadable(gw.http.port)) {
    const r = await raw(gw.http.port, text);
    assert.equal(r.status, status, `${what}: ${r.body}`);
    const error = (JSON.parse(r.body) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'ISO8583_ERR_CONSOLE_INPUT', what);
    assert.ok(!r.body.includes(PAN), `${what}: ${r.body}`);
  }
  bank.process.kill();
});

test('gateway HTTP in SocketQueue mode – the same refusals in SocketQueue\'s shape, { result: "", errors: [text] }, each a line', async () => {
  const bank = await startSimulator();
  const sq = await startGateway([`--upstreamHost=${bank.host}`, `--upstreamPort=${bank.port}`, '--reversal-journal', join(work, 'sq')]);
  for (const [what, status, text] of unreadable(sq.http.port)) {
    const r = await raw(sq.http.port, text);
    assert.equal(r.status, status, `${what}: ${r.body}`);
    const body = JSON.parse(r.body) as { result: unknown; errors: unknown[] };
    assert.equal(body.result, '', `${what}: ${r.body}`);
    assert.equal(body.errors.length, 1, what);
    assert.equal(typeof body.errors[0], 'string', what);
    assert.ok(!r.body.includes(PAN), `${what}: ${r.body}`);
    // One line ending with a newline, as SocketQueue wrote every answer (the routes' answers alike).
    assert.ok(r.body.endsWith('\n') && r.body.indexOf('\n') === r.body.length - 1, `${what}: one line: ${JSON.stringify(r.body)}`);
  }
  bank.process.kill();
});
