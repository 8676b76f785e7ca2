// An HTTP request still waiting in its terminal's queue (behind a purchase held at the bank) when a stop's deadline
// passes is answered, its client still connected: the stop gives up what is under way before it closes the connections
// (stop-abort.ts), so the client gets a 504 saying it never reached the host, never a cut connection, and the purchase
// at the bank is given up too. Before, its connection was cut with no answer (then logged as "dropped unsent"). The
// real gateway binary, a real bank endpoint, a raw POS socket and a real HTTP request; no card data in the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createCodec, encodeFrame } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { createInboundEndpoint } from '@iso8583/inbound';
import { waitUntil, within } from '@iso8583/test-support';
import { startGateway } from './helpers/gateway-process.js';

const codec = createCodec('iso87ascii');
const PAN = '4111111111111111';

function purchase(stan: string): IsoMessage {
  return { '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '7': '1121103000', '11': stan, '41': 'TERM0001', '49': '840' };
}

test('gateway HTTP – a request still in its terminal\'s queue at the stop deadline is answered 504 (never sent), not cut', async (t) => {
  let atBank: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (atBank = resolve));
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  t.after(() => release());
  const endpoint = createInboundEndpoint({
    port: 0, host: '127.0.0.1', dialect: 'iso87ascii',
    sequence: async (m) => {
      atBank();
      await held;
      return { ...m.fields, '0': '0210', '39': '00' };
    },
  });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  const ports = await startGateway(t, ['--upstream', `127.0.0.1:${port}`, '--listen', '0', '--bind', '127.0.0.1', '--http', '0', '--terminal-queue',
    '--no-reversal', '--no-transaction-log', '--shutdown-deadline', '500', '--log-level', 'info']);

  const pos = connect(ports.pos, '127.0.0.1');
  pos.on('error', () => undefined);
  t.after(() => pos.destroy());
  pos.write(encodeFrame(codec.pack(purchase('000901')), { lengthHeader: 'binary2' }));
  await within(first, 15_000, 'the bank to get the POS purchase');
  const answered = fetch(`http://127.0.0.1:${ports.http}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(purchase('000902')) })
    .then(async (r) => ({ status: r.status, body: (await r.json()) as { errors: { code?: string; message?: string }[] } }), () => 'cut' as const);
  const pending = async (): Promise<number> => ((await (await fetch(`http://127.0.0.1:${ports.http}/stats`)).json()) as { upstream: { pending: number } }).upstream.pending;
  await waitUntil(async () => (await pending()) === 1, { what: 'the HTTP purchase to wait in its terminal\'s queue' });

  const stderr = await within(ports.stop(), 30_000, 'the gateway to stop');
  const got = await answered;
  assert.notEqual(got, 'cut', 'the HTTP client is answered before its connection closes');
  if (got === 'cut') return;
  assert.equal(got.status, 504);
  assert.equal(got.body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_ABORTED');
  assert.match(String(got.body.errors[0]?.message), /never reached the host/);
  assert.deepEqual(stderr.split('\n').filter((line) => /dropped unsent/.test(line)), [], 'answered: nothing dropped');
  assert.doesNotMatch(stderr, new RegExp(PAN), 'no PAN in the log');
});
