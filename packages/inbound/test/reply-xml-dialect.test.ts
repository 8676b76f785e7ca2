// A sequence that answers with a jPOS XMLPackager dump: read by jPOS's rule for `type` in the endpoint's dialect, as
// the connector reads one (a value without type="binary" on a binary field is text: its ISO-8859-1 bytes go out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEndpoint } from './support/endpoint.js';
import { TestClient } from './support/client.js';

test('reply XML dialect – a dump\'s text value on a binary field goes out as its bytes, type="binary" as hex', async (t) => {
  const { port } = await startEndpoint(t, {
    dialect: 'iso87binary',
    sequence: (m) =>
      `<isomsg><field id="0" value="0210"/><field id="11" value="${String(m.fields['11'])}"/><field id="39" value="00"/>` +
      '<field id="64" value="0102030405060708" type="binary"/><field id="55" value="AB"/></isomsg>',
  });
  const client = await TestClient.connect(port, { dialect: 'iso87binary' });
  t.after(() => client.destroy());
  const reply = await client.request({ 0: '0200', 3: '000000', 4: '000000001000', 11: '000042', 41: 'TERM0001' });
  assert.equal(reply.fields['39'], '00');
  assert.equal(reply.fields['64'], '0102030405060708');
  assert.equal(reply.fields['55'], '4142', 'the text "AB" as its bytes 41 42, not the byte AB');
});
