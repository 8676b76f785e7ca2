/**
 * A body past the HTTP port's limit (its `bodyLimit`, 256 KiB) sent chunked, with no length announced for it to be
 * refused at the head: the gateway answers 413 `ISO8583_ERR_CONNECTOR_INPUT` once the limit is crossed and closes the
 * connection, so the rest is never read (a client uploading without end holds no connection, and no CPU of the
 * others, beyond the limit), with the real binary. The refusal of a length announced past the limit is pinned with
 * the console's (console-upstreams.test.ts); here, that its client can send the rest of its body and read the 413
 * rather than a reset (the connection lingers: linger-close.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawHttp, readUntil, within } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-http-body-limit-'));
/** The HTTP port's `bodyLimit` (HTTP_BODY_LIMIT, packages/cli/src/http/body-limit.ts). */
const LIMIT = 256 * 1024;
const DEADLINE = 15_000;

/** A `POST /` head with a chunked JSON body to come. */
const chunkedHead = (port: number): string =>
  `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;

/** One chunk of `size` spaces (valid JSON whitespace: only its size is at fault). */
const chunk = (size: number): Buffer => Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), Buffer.alloc(size, 0x20), Buffer.from('\r\n')]);

describe('the gateway\'s HTTP body limit', () => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    const bank = await startSimulator();
    gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', join(work, 'journal'), '--log-level', 'warn']);
  });
  after(async () => {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  });

  test('a chunk past the limit is answered 413 ISO8583_ERR_CONNECTOR_INPUT and the connection closed', async () => {
    const conn = rawHttp(gw.http.port);
    conn.socket.write(chunkedHead(gw.http.port));
    conn.socket.write(chunk(LIMIT + 1024));
    try {
      // The reason names the limit, in bytes, and its option (the port's bodyLimit: the gateway has no flag for it).
      await within(readUntil(conn, /^HTTP\/1\.1 413 [\s\S]*"code":"ISO8583_ERR_CONNECTOR_INPUT","message":"the body is larger than its limit, 262144 bytes \(bodyLimit\)"/), DEADLINE, 'the body past the limit was not refused naming its limit');
      await within(conn.closed, DEADLINE, 'the connection of a body past the limit was not closed');
    } finally {
      conn.socket.destroy();
    }
  });

  test('a body sent without end is cut soon after the limit: the client is not read for ever', async () => {
    const conn = rawHttp(gw.http.port);
    conn.socket.write(chunkedHead(gw.http.port));
    const part = chunk(64 * 1024);
    /** What the client may have sent when cut: the limit, and what the socket buffers on both sides hold. */
    const most = 64 * LIMIT;
    let sent = 0;
    const pump = (): void => {
      while (!conn.socket.destroyed && sent < most) {
        sent += part.length;
        if (!conn.socket.write(part)) {
          conn.socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
    try {
      await within(conn.closed, DEADLINE * 2, `the connection was not closed after ${sent} bytes of body`);
      assert.ok(sent < most, `the gateway read ${sent} bytes of a body past its limit of ${LIMIT}`);
    } finally {
      conn.socket.destroy();
    }
  });

  test('a length announced past the limit is answered 413 and the connection lingers: the client sends its whole body and reads no reset', async () => {
    const size = 2 * LIMIT;
    // Half open: the client goes on sending after the gateway has ended its side, as an HTTP client writing its body does.
    const socket = connect({ port: gw.http.port, host: '127.0.0.1', allowHalfOpen: true });
    let text = '';
    let failure: Error | undefined;
    socket.setEncoding('latin1').on('data', (c: string) => (text += c));
    socket.on('error', (err) => (failure = err));
    const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
    const closed = new Promise<boolean>((resolve) => socket.once('close', (hadError) => resolve(hadError)));
    socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${gw.http.port}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`);
    try {
      // The whole answer, and the gateway's end of its side, before a byte of the body: Node destroyed such a connection
      // once its answer was written, and the body then written to it was answered with a reset.
      await within(ended, DEADLINE, `no end after the answer to a body past the limit: ${JSON.stringify(text)}`);
      assert.match(text, /^HTTP\/1\.1 413 [\s\S]*connection: close[\s\S]*"code":"ISO8583_ERR_CONNECTOR_INPUT"/i);
      const part = Buffer.alloc(64 * 1024, 0x20);
      for (let sent = 0; sent < size && failure === undefined; sent += part.length) {
        if (!socket.write(part)) await within(new Promise((resolve) => socket.once('drain', resolve)), DEADLINE, `the body was not read after ${sent} bytes`);
      }
      socket.end();
      const hadError = await within(closed, DEADLINE, 'the lingering connection was not closed after the client ended its side');
      assert.equal(failure, undefined, `the client's body met a reset: ${String(failure)}`);
      assert.equal(hadError, false);
    } finally {
      socket.destroy();
    }
  });
});
