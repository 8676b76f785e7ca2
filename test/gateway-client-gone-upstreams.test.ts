/**
 * An approval whose HTTP client has gone, in an upstream group of banks with different dialects: the real
 * `iso8583 gateway` with a 1987 bank (`bank87`, the first upstream) and a 1993
 * bank (`bank93`, Mastercard PANs routed to it) that holds its answer until the client has aborted its request. The
 * 1993 bank approves with action code `000`, which a 1987 dialect does not call an approval: the gateway judges the
 * answer by the dialect of the upstream that gave it, and reverses it there, built by that upstream (1420 with field
 * 56 naming the original), never at the 1987 bank.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec, responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil, within } from '@iso8583/test-support';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { startGateway, stopAll } from './helpers/cli.js';
import { purchase93, startBank93 } from './helpers/peer93.js';
import type { Bank93 } from './helpers/peer93.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-client-gone-upstreams-'));
let bank87: ScriptedBank;
let bank93: Bank93;
let http: { host: string; port: number };
/** The 1200s the 1993 bank holds, by STAN, with the way to answer each. */
const held = new Map<string, (reply: IsoMessage) => void>();

/** The 1993 bank's answer to `request` with action code `code`, the fields a reversal needs echoed. */
function answer93(request: IsoMessage, code: string): IsoMessage {
  const out: IsoMessage = { '0': responseMti(String(request['0'])) ?? String(request['0']), '39': code };
  for (const id of ['2', '3', '4', '7', '11', '12', '24', '32', '41', '42', '49', '56']) if (typeof request[id] === 'string') out[id] = request[id];
  if (code === '000') out['38'] = 'A93000';
  return out;
}

before(async () => {
  bank87 = await startBank(approve);
  bank93 = await startBank93((request, write) => {
    const mti = String(request['0']);
    if (mti === '1200') {
      held.set(String(request['11']), write);
      return undefined;
    }
    return answer93(request, mti === '1420' || mti === '1421' ? '400' : mti === '1804' ? '800' : '000');
  });
  const config = join(work, 'gateway.json');
  writeFileSync(config, JSON.stringify({
    upstreams: [
      { name: 'bank87', upstream: `127.0.0.1:${bank87.port}` },
      { name: 'bank93', upstream: `127.0.0.1:${bank93.port}`, dialect: 'iso93ascii' },
    ],
    routes: [{ pan: '5', upstream: 'bank93' }],
  }));
  const gw = await startGateway(['--config', config, '--reversal-journal', join(work, 'journal'), '--log-level', 'warn']);
  http = gw.http;
  await waitUntil(async () => {
    const stats = (await (await fetch(`http://${http.host}:${http.port}/stats`)).json()) as { healthy?: string[] };
    return stats.healthy?.length === 2 ? true : undefined;
  }, { what: 'both upstreams healthy' });
});

after(async () => {
  await stopAll();
  await bank87.close();
  await bank93.close();
  rmSync(work, { recursive: true, force: true });
});

/** Posts `body` to `POST /` on a raw socket, then aborts once the 1993 bank holds it; resolves with its answering. */
async function abortedAt93(body: unknown, stan: string): Promise<(reply: IsoMessage) => void> {
  const text = JSON.stringify(body);
  const socket = connect({ host: http.host, port: http.port });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.resume();
  socket.write(`POST / HTTP/1.1\r\nHost: ${http.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  await bank93.waitFor((m) => m['0'] === '1200' && m['11'] === stan, `the 1200 with STAN ${stan}`);
  // The client gives up (its FIN); the gateway ending the connection in turn proves it has seen the abort.
  socket.end();
  await within(closed, 10_000, 'the gateway to close the aborted HTTP connection');
  const write = held.get(stan);
  assert.ok(write, `the 1993 bank holds ${stan}`);
  return write;
}

describe('gateway – an HTTP client gone in a group of a 1987 and a 1993 bank', () => {
  test('the 1993 bank approves (000) after the client aborted: reversed at the 1993 bank as 1420 with field 56, nothing at the 1987 bank', async () => {
    const original = { ...purchase93('GONE9301', 931, 4200), '2': '5555555555554444' };
    const write = await abortedAt93(original, '000931');
    const request = bank93.received.find((m) => m['0'] === '1200' && m['11'] === '000931') as IsoMessage;
    write(answer93(request, '000'));
    const reversal = await bank93.waitFor((m) => m['0'] === '1420' && m['11'] === '000931', 'the 1420 reversal');
    assert.equal(reversal['4'], '000000004200');
    assert.equal(reversal['56'], '1200' + '000931' + '261130193000' + '06' + '123456', 'original MTI, STAN, local date and time, acquirer');
    assert.equal(reversal['24'], '400', 'function code: full reversal');
    assert.equal(reversal['90'], undefined, 'no 1987 original data elements');
    assert.equal(bank87.received.filter((m) => m['0'] !== '0800').length, 0, 'the 1987 bank saw neither the purchase nor a reversal');
  });

  test('POST /raw through the 1987 and the 1993 bank: refused 501 RAW_DIALECTS (its hex cannot be read before its bank is known), nothing sent', async () => {
    // Read in the first upstream's 1987 layout it would go to the 1993 bank re-packed, and its answer come back as 1993
    // bytes: a request and its answer in two wire formats. It is refused instead; JSON and XML go to either bank.
    const hex = createCodec('iso87ascii').pack({ '0': '1200', '2': '5555555555554444', '3': '000000', '4': 4300, '11': '000932', '41': 'RAW93001', '49': '840' }).toString('hex');
    const res = await fetch(`http://${http.host}:${http.port}/raw`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: hex });
    const body = (await res.json()) as { errors: { code: string }[] };
    assert.equal(res.status, 501);
    assert.equal(body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_RAW_DIALECTS');
    assert.equal(bank93.received.filter((m) => m['11'] === '000932').length, 0, 'the 1993 bank never saw it');
    assert.equal(bank87.received.filter((m) => m['11'] === '000932').length, 0, 'nor the 1987 bank');
  });
});
