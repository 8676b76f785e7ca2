// The dialect header of a reply is the reply XML's <header> when it has one: of the dialect header's length (or with
// the fixed header bytes first, as the request's XML shows it). Any other length is refused as an invalid reply (the
// client gets 96 with the request's header), never cut to its last bytes or silently replaced by the request's.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { createCodec, encodeFrame, resolveDialect } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import { startEndpoint } from './support/endpoint.js';

const DIALECT: Dialect = { ...resolveDialect('iso87ascii'), name: 'iso87ascii-header4', headerLength: 4 };
const codec = createCodec(DIALECT);
const REQUEST_HEADER = Buffer.from('01020304', 'hex');

/** Reads binary2 frames off a socket, one per call, in order (no sleeps: each waits for its bytes). */
function frames(socket: Socket): () => Promise<Buffer> {
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    buffered = Buffer.concat([buffered, d]);
    waiting?.();
  });
  return async () => {
    while (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) {
      await new Promise<void>((resolve, reject) => {
        waiting = resolve;
        socket.once('close', () => reject(new Error('closed before a reply')));
      });
    }
    const length = buffered.readUInt16BE(0);
    const frame = buffered.subarray(2, 2 + length);
    buffered = buffered.subarray(2 + length);
    return frame;
  };
}

async function replyHeaders(t: TestContext, headerBytes: number, headers: string[]): Promise<{ header: string; rc: unknown }[]> {
  let next = 0;
  const { endpoint, port } = await startEndpoint(t, {
    dialect: DIALECT,
    headerBytes,
    sequence: (m) => {
      const xml = m.xml.replace('<field id="0">0200</field>', '<field id="0">0210</field><field id="39">00</field>');
      return xml.replace(/<header>[^<]*<\/header>/, `<header>${Buffer.from(headers[next++]!, 'hex').toString('base64')}</header>`);
    },
  });
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  await new Promise((resolve) => socket.once('connect', resolve));
  const read = frames(socket);
  const out: { header: string; rc: unknown }[] = [];
  const fixed = Buffer.alloc(headerBytes, 0x60);
  for (let i = 0; i < headers.length; i++) {
    const body = codec.pack({ 0: '0200', 3: '000000', 11: String(i + 1).padStart(6, '0'), 41: 'TERM0001' }, { header: REQUEST_HEADER });
    socket.write(encodeFrame(body, { headerBytes }, headerBytes > 0 ? fixed : undefined));
    const frame = (await read()).subarray(headerBytes);
    const decoded = codec.decode(frame);
    out.push({ header: decoded.header.toString('hex').toUpperCase(), rc: decoded.message['39'] });
  }
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_REPLY_INVALID, out.filter((o) => o.rc === '96').length);
  return out;
}

test('inbound reply – a reply <header> not of the dialect header\'s length is refused (96, the request\'s header), never cut or replaced', async (t) => {
  assert.deepEqual(await replyHeaders(t, 0, ['A1A2A3A4', 'AABBCCDDEEFF', 'B1B2']), [
    { header: 'A1A2A3A4', rc: '00' },
    { header: '01020304', rc: '96' },
    { header: '01020304', rc: '96' },
  ]);
});

test('inbound reply – with fixed header bytes, the reply <header> may hold them first, as the request\'s XML does', async (t) => {
  assert.deepEqual(await replyHeaders(t, 5, ['6000000000A1A2A3A4', 'A1A2A3A4', '00A1A2A3A4']), [
    { header: 'A1A2A3A4', rc: '00' },
    { header: 'A1A2A3A4', rc: '00' },
    { header: '01020304', rc: '96' },
  ]);
});
