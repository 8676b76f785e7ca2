// A field's value in logged XML ends where the codec's reader ends it: a `</field>` inside a comment, a processing
// instruction or a CDATA section in field 35 is text of it, so the whole track is masked as track 2 (the expiry,
// service code and discretionary data showed, masked only as free text).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { fromXml } from '@iso8583/codec';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';

const PAN = '4000000000000002';
const TAIL = '=25121015432112345678';

const DOCS: Record<string, string> = {
  comment: `${PAN}<!-- </field> -->${TAIL}`,
  pi: `${PAN}<?x </field>?>${TAIL}`,
  cdata: `${PAN}<![CDATA[</field>]]>${TAIL}`,
};

const doc = (field35: string) => `<ISOMessage><data><field id="0">0210</field><field id="35">${field35}</field><field id="11">000001</field></data></ISOMessage>`;

test('context.logger – field 35 holding "</field>" in a comment, PI or CDATA is masked whole, as the reader reads it', async (t) => {
  for (const [kind, value] of Object.entries(DOCS)) {
    assert.ok(String(fromXml(doc(value)).message['35']).endsWith(TAIL.slice(1)), `${kind}: the codec reads the whole track`);
  }
  const chunks: Buffer[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _e, done) => (chunks.push(Buffer.from(chunk)), done()) });
  const { port, endpoint } = await startEndpoint(t, {
    logger: pino({ level: 'info' }, stream),
    sequence: (m, context) => {
      for (const [kind, value] of Object.entries(DOCS)) context.logger.info({ xml: doc(value) }, kind);
      return { 0: '0210', 11: m.fields['11'] as string, 39: '00' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1))).fields['39'], '00');
  await endpoint.close();
  const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { msg: string; xml?: string });
  for (const kind of Object.keys(DOCS)) {
    const xml = lines.find((l) => l.msg === kind)?.xml;
    assert.ok(xml !== undefined, `${kind} logged`);
    for (const secret of ['251210', '5678', PAN.slice(6, 12)]) assert.ok(!xml.includes(secret), `${kind}: ${secret} shows in ${xml}`);
    assert.match(xml, /<field id="11">000001<\/field>/, `${kind}: the next field is read as itself`);
  }
});
