// `iso8583 send` reads a jPOS XMLPackager dump as `encode`, the connector and inbound replies do: by jPOS's rule for
// `type` with the dialect (a `type="binary"` value on a character field is the text of its bytes, a text value on a
// binary field the hex of its bytes). It read the dump as written, so a dump `encode` packs was refused by `send` as
// invalid (field 41 the hex of `TERM0001`, 16 characters in its 8). The jPOS vectors' dumps read the same either way
// (their `type="binary"` values sit on binary fields), so the dump here is written for the rule. A real socket peer
// and real `send` and `encode` processes: the bytes send writes are the ones encode prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { createCodec } from '@iso8583/codec';
import { runCli } from './cli-process.js';

/** An echo test as jPOS's XMLPackager dumps it: field 41 given as the hex of its bytes, field 52 as its text. */
const DUMP = `<isomsg>
  <field id="0" value="0800"/>
  <field id="7" value="1121103000"/>
  <field id="11" value="000042"/>
  <field id="41" value="5445524D30303031" type="binary"/>
  <field id="52" value="ABCDEFGH"/>
  <field id="70" value="301"/>
</isomsg>`;

test('send reads a jPOS XMLPackager dump with the dialect, as encode does: the same bytes on the wire, the answer printed', async (t) => {
  const codec = createCodec('iso87ascii');
  const frames: Buffer[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    let held = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      held = Buffer.concat([held, chunk]);
      while (held.length >= 2 && held.length >= 2 + held.readUInt16BE(0)) {
        const frame = held.subarray(2, 2 + held.readUInt16BE(0));
        held = held.subarray(2 + frame.length);
        frames.push(Buffer.from(frame));
        const request = codec.unpack(frame);
        const reply = codec.pack({ ...request, '0': '0810', '39': '00' });
        const length = Buffer.alloc(2);
        length.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([length, reply]));
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  });
  const port = String((server.address() as AddressInfo).port);

  const encoded = await runCli(['encode', '--dialect', 'iso87ascii'], DUMP);
  assert.equal(encoded.code, 0, encoded.stderr);
  const sent = await runCli(['send', '--port', port, '--dialect', 'iso87ascii', '--timeout', '10000'], DUMP);
  assert.equal(sent.code, 0, sent.stderr);
  assert.equal(frames.length, 1);
  assert.equal(frames[0]?.toString('hex').toUpperCase(), encoded.stdout.trim(), 'the bytes encode prints');
  const request = codec.unpack(frames[0] as Buffer);
  assert.equal(request['41'], 'TERM0001', 'type="binary" on a character field: the text of its bytes');
  assert.equal(request['52'], '4142434445464748', 'text on a binary field: the hex of its bytes');
  assert.match(sent.stdout, /<field id="39">00<\/field>/, 'the answer printed (as XML, the form it came in)');
});
