import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from '@iso8583/codec';
import { readVector, vectorPath } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';

interface Vector {
  ascii: string;
  fields: Record<string, string>;
}

const vectors = JSON.parse(readVector('wso2/messages.json').toString('utf8')) as Record<string, Vector>;
const vector = vectors.testclient_0200!;

// A sequence as a WSO2 user writes it: it reads the ISOMessage XML, edits it as text and returns XML.
const wso2Style: Sequence = (message) =>
  message.xml
    .replace('<field id="0">0200</field>', '<field id="0">0210</field>')
    .replace('</data>', '<field id="39">00</field></data>');

for (const dialect of ['iso87ascii', vectorPath('wso2/jposdef.xml')]) {
  test(`WSO2 testclient_0200 – goes through an XML sequence and comes back as its XML shows (${dialect.endsWith('.xml') ? 'jposdef.xml' : dialect})`, async (t) => {
    let xml = '';
    const { port } = await startEndpoint(t, {
      dialect,
      sequence: (m, c) => {
        xml = m.xml;
        return wso2Style(m, c);
      },
    });
    const client = await TestClient.connect(port, { dialect });
    t.after(() => client.destroy());
    client.write(encodeFrame(Buffer.from(vector.ascii, 'latin1')));
    const reply = await client.reply();
    // The sequence saw every field of the vector in the WSO2 ISOMessage shape, in ascending order.
    const ids = [...xml.matchAll(/<field id="(\d+)">([^<]*)<\/field>/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(ids, Object.entries(vector.fields).sort((a, b) => Number(a[0]) - Number(b[0])));
    assert.match(xml, /^<ISOMessage>[\s\S]*<data>[\s\S]*<\/data>[\s\S]*<\/ISOMessage>\s*$/);
    assert.deepEqual(reply.fields, { ...vector.fields, 0: '0210', 39: '00' });
    // The reply's wire image is the vector's with the response MTI and field 39 added: every other byte unchanged.
    const image = reply.payload.toString('latin1');
    assert.ok(image.startsWith('0210'));
    assert.ok(image.includes('XYRTUI5269TYUI021ABCDEFGHIJ 1234567890'));
  });
}

test('WSO2 atm_0200 (ascii4 framing) – strict: answered 30 without reaching the sequence; lenient: the sequence sees it as sent', async (t) => {
  const atm = vectors.atm_0200_with_ascii4_length!;
  const wire = Buffer.from(atm.ascii, 'latin1');
  const seen: Array<Record<string, unknown>> = [];
  const sequence: Sequence = (m) => {
    seen.push(m.fields);
    return { 0: '0210', 11: m.fields['11'] as string, 41: m.fields['41'] as string, 39: '00' };
  };
  for (const lenient of [false, true]) {
    const { port } = await startEndpoint(t, { sequence, frame: 'ascii4', lenient });
    const client = await TestClient.connect(port, { framing: { lengthHeader: 'ascii4' } });
    t.after(() => client.destroy());
    client.write(wire);
    const reply = await client.reply();
    assert.equal(reply.fields['0'], '0210');
    assert.equal(reply.fields['11'], '008506');
    assert.equal(reply.fields['41'], 'Z003    ');
    assert.equal(reply.fields['39'], lenient ? '00' : '30');
  }
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0], atm.fields);
});
