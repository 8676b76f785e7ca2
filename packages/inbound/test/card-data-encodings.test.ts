// Card data in a dump of the message bytes, whatever the dialect writes them in: EBCDIC (two code pages) and BCD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, encodeFrame, getDialect, wireHex } from '@iso8583/codec';
import type { Dialect, ValueEncoding } from '@iso8583/codec';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';

const PAN = '4111111111111111';
const TAIL = '30121011234567890';
const TRACK2 = `${PAN}=${TAIL}`;

/** iso87ascii with every text field, length prefix and the MTI in EBCDIC of code page `page`. */
function ebcdicDialect(page: 'ebcdic' | 'ebcdic-037'): Dialect {
  const base = structuredClone(getDialect('iso87ascii'));
  for (const spec of Object.values(base.fields)) {
    if (spec.encoding === 'ascii') spec.encoding = page;
    if (spec.prefix?.encoding === 'ascii') spec.prefix.encoding = 'ebcdic';
  }
  return { ...base, name: `iso87${page}`, mti: { encoding: 'ebcdic' }, bitmap: { encoding: 'ebcdic' } };
}

const logRaw: Sequence = (m, context) => {
  context.logger.info({ raw: m.raw }, 'raw as a buffer');
  context.logger.info(`raw ${m.raw.toString('hex')}`);
  return { 0: '0210', 11: m.fields['11'] as string, 39: '00' };
};

for (const [name, dialect, encoding] of [
  ['EBCDIC (code page 1047)', ebcdicDialect('ebcdic'), 'ebcdic'],
  ['EBCDIC (code page 037)', ebcdicDialect('ebcdic-037'), 'ebcdic-037'],
  ['BCD (iso87binary)', getDialect('iso87binary'), 'bcd'],
] as const) {
  test(`card data – ${name}: message.raw logged as a buffer or as hex shows no PAN or track 2 bytes`, async (t) => {
    const logs = captureLogs('info');
    const { port } = await startEndpoint(t, { dialect, sequence: logRaw, logger: logs.logger });
    // The client reads its reply in the same dialect (TestClient's option is typed for built-in names).
    const client = await TestClient.connect(port, { dialect: dialect as never });
    t.after(() => client.destroy());
    const bytes = createCodec(dialect).pack(purchase(1, { 35: TRACK2 }));
    // The dump of the raw bytes does hold the card data in the field's encoding (what the mask must find).
    const dump = bytes.toString('hex').toUpperCase();
    for (const value of [PAN, TAIL]) assert.ok(dump.includes(wireHex(value, encoding as ValueEncoding)), `${value} in the raw bytes`);
    client.write(encodeFrame(bytes, {}));
    await client.reply();
    await logs.waitFor(/raw as a buffer/);
    const line = await logs.waitFor(/"msg":"raw [0-9a-f*]/);
    const text = logs.text();
    for (const value of [PAN, TAIL, TRACK2]) {
      const hex = wireHex(value, encoding as ValueEncoding);
      assert.ok(!text.includes(hex), `the log shows ${value} as ${encoding} bytes`);
      assert.ok(!text.includes(hex.toLowerCase()), `the log shows ${value} as ${encoding} bytes, lower case`);
    }
    assert.match(line, /\*{8}/, 'masked, not dropped');
  });
}
