// A terminal whose field 2 or 35 comes with a 3-digit prefix ("016" + PAN) to an LLVAR dialect: the message does not
// decode, and what is read after the misframed prefix is the card's own digits shifted into other fields. The 30
// answer and every log line (debug level: the message trace too) must carry none of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from '@iso8583/codec';
import type { MessageInput } from '@iso8583/codec';
import { createHostSimulator } from '../src/index.js';
import { TestClient } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';

const PAN = '4761739001010119';
const TRACK2 = `${PAN}=30121017345982614`;

/** Every run of 7 digits of the card data: text holding one shows more than first 6 / last 4 of the PAN. */
function cardRuns(): string[] {
  const digits = PAN + TRACK2.slice(PAN.length + 1);
  const runs: string[] = [];
  for (let i = 0; i + 7 <= digits.length; i++) runs.push(digits.slice(i, i + 7));
  return runs;
}

function assertNoCardDigits(text: string, where: string): void {
  for (const run of cardRuns()) assert.ok(!text.includes(run), `${where} holds ${run}: ${text}`);
}

/** `message` packed by the client's codec, the LLVAR prefix of `value` sent with 3 digits. */
function misframed(client: TestClient, message: MessageInput, value: string): Buffer {
  const text = client.codec.pack(message).toString('latin1');
  const llvar = String(value.length).padStart(2, '0') + value;
  assert.ok(text.includes(llvar));
  return Buffer.from(text.replace(llvar, '0' + llvar), 'latin1');
}

const cases: { name: string; message: MessageInput; value: string; echoed: Record<string, string> }[] = [
  {
    name: 'field 2 (PAN)',
    message: { 0: '0200', 2: PAN, 3: '000000', 4: '000000001000', 7: '1206000001', 11: '000002', 41: 'TERM0001' },
    value: PAN,
    echoed: {},
  },
  {
    name: 'field 35 (track 2)',
    message: { 0: '0200', 3: '000000', 4: '000000001000', 11: '000003', 35: TRACK2, 41: 'TERM0001', 42: 'MERCHANT0000001' },
    value: TRACK2,
    // Fixed-length fields before the first variable-length one have a certain place: echoed as usual.
    echoed: { 3: '000000', 4: '000000001000', 11: '000003' },
  },
];

for (const c of cases) {
  test(`misframed ${c.name}: the 30 answer and the logs carry no digit of the card data`, async (t) => {
    const { logger, text: logged } = captureLogs('debug');
    const { endpoint, port } = await startEndpoint(t, { logger, sequence: createHostSimulator({ cards: { [PAN]: { balance: 5000 } } }) });
    const client = await TestClient.connect(port);
    t.after(() => client.destroy());
    client.write(encodeFrame(misframed(client, c.message, c.value)));
    const reply = await client.reply();
    assert.equal(reply.fields['0'], '0210');
    assert.equal(reply.fields['39'], '30');
    const { 0: _mti, 39: _code, ...echoed } = reply.fields;
    assert.deepEqual(echoed, c.echoed);
    assertNoCardDigits(reply.payload.toString('latin1'), 'the 30 answer');
    await client.close();
    await endpoint.close({ deadline: 2000 });
    const text = logged();
    assert.match(text, /ISO8583_ERR_INBOUND_DECODE/);
    assertNoCardDigits(text, 'the log');
  });
}
