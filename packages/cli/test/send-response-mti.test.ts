// `iso8583 send` of a message that expects no answer (a response: 0210, 0110, 0430, 0810, 1110; a 1x08 response
// acknowledgement) sent it and waited its whole --timeout for an answer that cannot come, then failed as a timeout. It
// is refused at once, `ISO8583_ERR_CLI_INPUT` naming the MTI, before any connection is made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { runCli } from './cli-process.js';

test('send refuses a message whose MTI expects no answer, naming the MTI, and opens no connection', async (t) => {
  // A host that takes connections and never answers: what send met before (it waited --timeout for nothing).
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    sockets.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  });
  const port = String((server.address() as AddressInfo).port);
  const cases: [string, Record<string, string>, string][] = [
    ['0210', { '0': '0210', '3': '000000', '4': '000000001000', '11': '000001', '39': '00', '41': 'TERM0001' }, ' (to send the request it answers: 0200)'],
    ['0810', { '0': '0810', '11': '000001', '39': '00', '70': '301' }, ' (to send the request it answers: 0800)'],
    ['0430', { '0': '0430', '11': '000001', '39': '00', '41': 'TERM0001' }, ' (to send the request it answers: 0420)'],
  ];
  for (const [mti, message, hint] of cases) {
    const r = await runCli(['send', '--port', port, '--timeout', '5000'], JSON.stringify(message));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `iso8583: ISO8583_ERR_CLI_INPUT: the message is a ${mti}, which expects no answer: send waits for the answer to the message it sends, and none would come; send a request${hint}\n`,
    );
  }
  assert.equal(sockets.length, 0, 'send opened a connection for a message that expects no answer');
});
