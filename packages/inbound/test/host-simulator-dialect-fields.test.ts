// The host simulator sets the fields it makes up (37, 38, 54, a partial approval's 4) only where its dialect defines
// them: a reply with a field the dialect lacks does not pack, the client is told 96, and the money had moved. A dialect
// without field 39 is refused up front, and so is a balance field 54 cannot carry (over 12 digits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, getDialect } from '@iso8583/codec';
import type { Dialect, Iso8583Error } from '@iso8583/codec';
import { createHostSimulator, MAX_SIMULATOR_BALANCE } from '../src/index.js';
import { TestClient } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { VISA, ask, tx } from './support/simulator.js';

/** iso87ascii without the fields named. */
function without(...fields: string[]): Dialect {
  const dialect = structuredClone(getDialect('iso87ascii')) as Dialect;
  for (const field of fields) delete dialect.fields[field];
  return dialect;
}

test('host simulator – a dialect without 37 and 38: the purchase is approved 00 through the endpoint, its money moved once', async (t) => {
  const dialect = without('37', '38');
  const host = createHostSimulator({ cards: { [VISA]: { balance: 5000 } }, dialect });
  const { port } = await startEndpoint(t, { dialect, sequence: host });
  // The client's iso87ascii packs and reads these messages as the endpoint's dialect does (no 37, 38 in them).
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request(tx('0200', '000001', 1000));
  assert.equal(reply.fields['39'], '00');
  assert.equal(reply.fields['37'], undefined);
  assert.equal(reply.fields['38'], undefined);
  assert.equal(host.balanceOf(VISA), 4000);
  // The same request again: the answer already given, no second debit.
  assert.equal((await client.request(tx('0200', '000001', 1000))).fields['39'], '00');
  assert.equal(host.balanceOf(VISA), 4000);
});

test('host simulator – a made-up value its dialect\'s field cannot carry is left out: the answer packs, the money moved once', async (t) => {
  // Field 37 as n 6 (the simulator makes up 12 characters), field 54 as n 12 (a balance is C + 12 digits and more).
  const dialect = structuredClone(getDialect('iso87ascii')) as Dialect;
  dialect.fields['37'] = { ...dialect.fields['37']!, type: 'n', length: 6 };
  dialect.fields['54'] = { name: 'ADDITIONAL AMOUNTS', type: 'n', length: 12, encoding: 'ascii' };
  const host = createHostSimulator({ cards: { [VISA]: { balance: 5000 } }, dialect });
  const { port } = await startEndpoint(t, { dialect, sequence: host });
  // The client's iso87ascii packs the requests as the endpoint's dialect does (37 and 54 are not in them).
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request(tx('0200', '000005', 1000));
  assert.equal(reply.fields['39'], '00');
  assert.equal(reply.fields['37'], undefined);
  assert.match(String(reply.fields['38']), /^\d{6}$/);
  assert.equal(host.balanceOf(VISA), 4000);
  const inquiry = await client.request(tx('0100', '000006', 0, { 3: '300000', 4: undefined as unknown as string }));
  assert.equal(inquiry.fields['39'], '00');
  assert.equal(inquiry.fields['54'], undefined);
});

test('host simulator – a dialect without 54: a balance inquiry is approved without it; without 4, no partial approval (51)', async () => {
  const no54 = createHostSimulator({ cards: { [VISA]: { balance: 5000 } }, dialect: without('54') });
  const inquiry = await ask(no54, tx('0100', '000002', 0, { 3: '300000', 4: undefined as unknown as string }));
  assert.equal(inquiry?.['39'], '00');
  assert.equal(inquiry?.['54'], undefined);
  const no4 = createHostSimulator({ cards: { [VISA]: { balance: 500 } }, dialect: without('4'), partialApproval: true });
  const reply = await ask(no4, tx('0200', '000003', 1000));
  assert.equal(reply?.['39'], '51');
  assert.equal(reply?.['4'], '000000001000', 'the request\'s amount echoed, not a partial one');
  assert.equal(no4.balanceOf(VISA), 500);
});

test('host simulator – a dialect without field 39 is refused up front, ISO8583_ERR_INBOUND_OPTIONS naming dialect', () => {
  let err: Iso8583Error | undefined;
  try {
    createHostSimulator({ dialect: without('39') });
  } catch (e) {
    err = e as Iso8583Error;
  }
  assert.equal(err?.code, 'ISO8583_ERR_INBOUND_OPTIONS');
  assert.deepEqual(err?.problems?.map((p) => p.field), ['dialect']);
  assert.match(err!.message, /field 39/);
});

test('host simulator – a balance over 12 digits is refused up front (field 54 carries 12): defaultBalance and cards[].balance', async () => {
  for (const [options, field] of [
    [{ defaultBalance: MAX_SIMULATOR_BALANCE + 1 }, 'defaultBalance'],
    [{ cards: { [VISA]: { balance: 10 ** 13 } } }, 'cards[0].balance'],
  ] as const) {
    let err: Iso8583Error | undefined;
    try {
      createHostSimulator(options);
    } catch (e) {
      err = e as Iso8583Error;
    }
    assert.equal(err?.code, 'ISO8583_ERR_INBOUND_OPTIONS', field);
    assert.deepEqual(err?.problems?.map((p) => p.field), [field]);
    assert.match(err!.message, /999999999999/);
  }
  // The largest one is taken, and its balance inquiry answer packs (C + 12 digits in field 54).
  const dialect = getDialect('iso87ascii');
  const host = createHostSimulator({ defaultBalance: MAX_SIMULATOR_BALANCE, dialect });
  const inquiry = await ask(host, tx('0100', '000004', 0, { 3: '300000', 4: undefined as unknown as string }));
  assert.equal(inquiry?.['39'], '00');
  assert.equal(inquiry?.['54'], '0002840C999999999999');
  assert.equal(createCodec(dialect).unpack(createCodec(dialect).pack(inquiry!))['54'], '0002840C999999999999');
});
