// A client that pipelines purchases on one HTTP connection of the real gateway and reads none of their answers until
// the gateway closes the connection (at its connection cap, over its held-back budget): then every approval the bank
// gave must be either read by that client or reversed (logged "could not be delivered"), none counted delivered and
// thrown away by a reset. Shared by gateway-http-evict-unread, gateway-http-evict-sending and gateway-http-held-unread.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createInboundEndpoint } from '@iso8583/inbound';
import { tempFolder, within } from '@iso8583/test-support';
import { startGateway } from './gateway-process.js';
import type { GatewayPorts } from './gateway-process.js';

const PAN = '4111111111111111';
/** Purchases the client pipelines in one write: more than the gateway takes before it closes the connection. */
const COUNT = 8000;

function purchase(n: number): string {
  return JSON.stringify({ '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '7': '1207030000', '11': String(n).padStart(6, '0'), '41': 'TERM0001', '49': '840' });
}

/**
 * Runs the flood against a gateway started with `flags` (a bank approving every purchase with a 900-byte field 48, so
 * the answers fill the kernel's buffers), waits for `closing` (given the gateway and the bank's approval count so far)
 * to say the gateway is closing the connection, then reads what the client gets and checks the accounting. With
 * `sendOn`, the client first keeps sending (200 bytes every 50 ms, reading nothing, as a batch writer) until its
 * connection is closed or reset: the gateway's close then meets bytes arriving, and the system resets the connection.
 */
export async function unreadFlood(
  t: TestContext,
  prefix: string,
  flags: string[],
  closing: (ports: GatewayPorts, approved: () => number) => Promise<unknown>,
  sendOn = false,
): Promise<void> {
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
  const journal = tempFolder(t, prefix);
  const ports = await startGateway(t, ['--upstream', `127.0.0.1:${port}`, '--listen', '0', '--bind', '127.0.0.1', '--http', '0',
    '--no-transaction-log', '--reversal-journal', journal, ...flags, '--log-level', 'warn']);
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
  await closing(ports, () => approved);
  if (sendOn) {
    const junk = 'X'.repeat(200);
    const sending = setInterval(() => {
      if (!a.destroyed) a.write(junk);
    }, 50);
    t.after(() => clearInterval(sending));
    const failed = new Promise((resolve) => a.once('error', resolve));
    await within(Promise.race([failed, aClosed]), 30_000, 'the connection the gateway closed to be reset or closed');
    clearInterval(sending);
  }

  let text = '';
  a.on('data', (d: Buffer) => (text += d.toString('latin1')));
  a.resume();
  await within(aClosed, 30_000, 'the connection the gateway closed to close');
  const read = (text.match(/HTTP\/1\.1 200/g) ?? []).length;
  const stderr = await within(ports.stop(), 30_000, 'the gateway to stop');
  const reversed = stderr.split('\n').filter((line) => /could not be delivered/.test(line)).length;
  assert.ok(approved > 0 && approved < COUNT, `some purchases reached the bank before the close (${approved})`);
  assert.equal(read + reversed, approved, `every approval read (${read}) or reversed (${reversed}): ${approved} approved`);
  assert.doesNotMatch(stderr, new RegExp(PAN), 'no PAN in the log');
}
