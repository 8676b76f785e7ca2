// A client pipelines purchases on one HTTP connection and reads none of their answers; the held-back budget
// (`--http-max-held-back 1`) closes it once all its answers at the routes are made. Every approval the bank gave is then either read
// by the closed client or reversed (logged "could not be delivered"): the budget's close closes the connection as a
// lingering close (its input read and thrown away, its side ended), not with a reset, which made the system throw away
// every answer handed to it and not yet read, each counted delivered (an approval neither delivered nor reversed).
// The real gateway binary, a real bank endpoint, raw client sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createInboundEndpoint } from '@iso8583/inbound';
import { tempFolder, waitUntil, within } from '@iso8583/test-support';
import { startGateway } from './helpers/gateway-process.js';

const PAN = '4111111111111111';
const COUNT = 8000;

function purchase(n: number): string {
  return JSON.stringify({ '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '7': '1207030000', '11': String(n).padStart(6, '0'), '41': 'TERM0001', '49': '840' });
}

test('gateway HTTP – a client closed over --http-max-held-back with answers it has not read gets them all, or they are reversed', { timeout: 120_000 }, async (t) => {
  let approved = 0;
  const endpoint = createInboundEndpoint({
    port: 0, host: '127.0.0.1', dialect: 'iso87ascii',
    sequence: (m) => {
      if (m.fields['0'] === '0200') approved++;
      return { ...m.fields, '0': m.fields['0'] === '0400' ? '0410' : '0210', '38': 'A00001', '39': '00', '48': 'X'.repeat(900) };
    },
  });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  const journal = tempFolder(t, 'iso8583-held-unread-');
  const ports = await startGateway(t, ['--upstream', `127.0.0.1:${port}`, '--listen', '0', '--bind', '127.0.0.1', '--http', '0',
    '--no-transaction-log', '--reversal-journal', journal, '--http-max-held-back', '1', '--log-level', 'warn']);
  const http = ports.http!;

  const a = connect(http, '127.0.0.1');
  a.pause();
  a.on('error', () => undefined);
  t.after(() => a.destroy());
  const aClosed = new Promise((resolve) => a.once('close', resolve));
  let flood = '';
  for (let n = 1; n <= COUNT; n++) {
    const body = purchase(n);
    flood += `POST / HTTP/1.1\r\nHost: 127.0.0.1:${http}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  }
  a.write(flood);
  // Closed once its requests at the routes are all answered (those beyond the routes' 32 held back, over the budget).
  await waitUntil(() => /ISO8583_ERR_CONSOLE_HELD_BACK/.test(ports.stderr()), { what: 'the budget to close the connection that reads nothing', timeoutMs: 60_000 });
  let text = '';
  a.on('data', (d: Buffer) => (text += d.toString('latin1')));
  a.resume();
  await within(aClosed, 30_000, 'the connection closed by the budget to close');
  const read = (text.match(/HTTP\/1\.1 200/g) ?? []).length;
  const stderr = await within(ports.stop(), 30_000, 'the gateway to stop');
  const reversed = stderr.split('\n').filter((line) => /could not be delivered/.test(line)).length;
  assert.ok(approved > 0 && approved < COUNT, `some purchases reached the bank before the close (${approved})`);
  assert.equal(read + reversed, approved, `every approval read (${read}) or reversed (${reversed}): ${approved} approved`);
  assert.doesNotMatch(stderr, new RegExp(PAN), 'no PAN in the log');
});
