// Under a dialect without a message header, a reply XML's <header> may only be none, or the fixed header bytes as
// the request's XML shows them (the reply's are the request's, TPDU swapped); any other is refused as an invalid reply
// (96, naming `header`), as docs/inbound.md says: it was dropped in silence (the sequence meant a header the client
// never got). Real sockets: an iso87ascii endpoint, without and with a 5-byte TPDU.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';

const TPDU = Buffer.from('6000010000', 'hex');

/** Each reply's response code and fixed header when the sequence answers with `<header>` holding each of `headers` (hex). */
async function replies(t: TestContext, headerBytes: number, headers: string[]): Promise<{ rc: unknown; tpdu: string }[]> {
  let next = 0;
  const logs = captureLogs('warn');
  const { endpoint, port } = await startEndpoint(t, {
    headerBytes,
    logger: logs.logger,
    sequence: (m) => {
      const header = `<header>${Buffer.from(headers[next++]!, 'hex').toString('base64')}</header>`;
      const xml = m.xml.replace('<field id="0">0200</field>', '<field id="0">0210</field><field id="39">00</field>').replace(/<header>[^<]*<\/header>/, '');
      return xml.replace('<ISOMessage>', `<ISOMessage>${header}`);
    },
  });
  const client = await TestClient.connect(port, { framing: { headerBytes } });
  t.after(() => client.destroy());
  const out: { rc: unknown; tpdu: string }[] = [];
  for (let i = 0; i < headers.length; i++) {
    const reply = await client.request(purchase(i + 1), headerBytes > 0 ? TPDU : undefined);
    out.push({ rc: (reply.fields as IsoMessage)['39'], tpdu: reply.header.toString('hex') });
  }
  const refused = out.filter((o) => o.rc === '96').length;
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_REPLY_INVALID ?? 0, refused);
  const named = logs.text().split('\n').filter((l) => l.includes('ISO8583_ERR_INBOUND_REPLY_INVALID') && /the reply's header is \d+ bytes, the dialect has none/.test(l));
  assert.equal(named.length, refused, `each refusal names the header: ${logs.text()}`);
  return out;
}

test('inbound reply – no dialect header, no fixed header: a reply <header> of any bytes is refused (96), an empty one is none', async (t) => {
  assert.deepEqual(await replies(t, 0, ['0000006B', '', '00']), [
    { rc: '96', tpdu: '' },
    { rc: '00', tpdu: '' },
    { rc: '96', tpdu: '' },
  ]);
});

test('inbound reply – no dialect header, a 5-byte TPDU: a reply <header> may hold the fixed header bytes only', async (t) => {
  assert.deepEqual(await replies(t, 5, ['6000010000', '000000', '6000000001AAAA', '']), [
    { rc: '00', tpdu: '6000000001' },
    { rc: '96', tpdu: '6000000001' },
    { rc: '96', tpdu: '6000000001' },
    { rc: '00', tpdu: '6000000001' },
  ]);
});
