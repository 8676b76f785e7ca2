// Replies the endpoint makes or counts itself: field 39 in the edition of the request's MTI, a sequence's bytes
// refused, reply metric labels bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, encodeFrame, isApproved } from '@iso8583/codec';
import type { Sequence } from '../src/index.js';
import type { MessageInput } from '@iso8583/codec';
import { startEndpoint } from './support/endpoint.js';
import { TestClient } from './support/client.js';

const PAN = '4761739001010010';

for (const [dialect, mti, malfunction, format, terminal] of [
  ['iso93ascii', '1200', '909', '904', 'TERM0001'],
  ['iso93binary', '1100', '909', '904', 'TERM0001'],
  ['iso87ascii', '0200', '96', '30', 'TERM0001'],
  // SmartVista's own table (its `answerCodes`): 9xx, never 096 / 030, which read as approvals (0xx) by its codes' classes.
  ['smartvista', '0200', '909', '904', '00123456'],
] as const) {
  test(`endpoint replies – ${dialect} ${mti}: a failed sequence is answered ${malfunction}, an undecodable request ${format}`, async (t) => {
    const { port } = await startEndpoint(t, { dialect, sequence: () => { throw new Error('boom'); } });
    const client = await TestClient.connect(port, { dialect });
    t.after(() => client.destroy());
    const request: MessageInput = { 0: mti, 2: PAN, 3: '000000', 4: '000000001000', 11: '000777', 41: terminal };
    const failed = await client.request(request);
    assert.equal(failed.fields['39'], malfunction);
    const codec = createCodec(dialect);
    assert.equal(isApproved(codec.dialect, failed.fields['39']), false);
    // Field 11 made undecodable: a letter in an n 6 field (ASCII), or a bad BCD nibble.
    const bytes = codec.pack({ ...request, 11: '000999' });
    const at = dialect === 'iso93binary' ? bytes.indexOf(Buffer.from('000999', 'hex')) : bytes.indexOf(Buffer.from('000999'));
    assert.ok(at > 0);
    if (dialect === 'iso93binary') bytes[at + 2] = 0x9a;
    else bytes.write('0009X9', at, 'latin1');
    client.write(encodeFrame(bytes, client.options.framing ?? {}));
    const answered = await client.reply();
    assert.equal(answered.fields['39'], format);
  });
}

test('endpoint replies – a sequence that returns a Buffer gets REPLY_INVALID and the client 96, not a packed Buffer', async (t) => {
  // Four bytes: read as fields, they would pack (MTI 0048); the reply must be refused, not sent.
  const bytes: Sequence = () => Buffer.from('0101', 'latin1') as never;
  const { endpoint, port } = await startEndpoint(t, { sequence: bytes });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request({ 0: '0200', 3: '000000', 4: '000000001000', 11: '000001', 41: 'TERM0001' });
  assert.equal(reply.fields['0'], '0210');
  assert.equal(reply.fields['39'], '96');
  assert.equal(endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_REPLY_INVALID'], 1);
});

test('endpoint replies – reply MTIs a sequence picks are counted under bounded labels (other), as request MTIs are', async (t) => {
  let n = 0;
  const { endpoint, port } = await startEndpoint(t, {
    sequence: (m) => ({ 0: `9${String(n++).padStart(2, '0')}0`, 11: m.fields['11'] as string, 39: '00' }),
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  for (let i = 0; i < 20; i++) await client.request({ 0: '0200', 3: '000000', 4: '000000001000', 11: String(i + 1).padStart(6, '0') });
  const text = await endpoint.registry.metrics();
  const series = text.split('\n').filter((line) => line.startsWith('iso8583_inbound_replies_total{'));
  assert.equal(series.length, 1, series.join('\n'));
  assert.match(series[0]!, /mti="other"/);
  assert.match(series[0]!, / 20$/);
});
