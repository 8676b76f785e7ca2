import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { resolveDialect } from '@iso8583/codec';
import type { Dialect, MessageInput } from '@iso8583/codec';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';
import { startEndpoint } from './support/endpoint.js';

const PAN = '4111111111111111';
const MASKED_PAN = '411111******1111';
const TRACK2 = `${PAN}=30121011234567890`;
const TRACK2_TAIL = '30121011234567890';
const PIN_BLOCK = '1A2B3C4D5E6F7081';
const SECURITY = '2600000000000000';
const ICC = '9F2608A1B2C3D4E5F601029F270180';

/** Every form of the test card data that must never reach the log bytes. */
const SECRETS: ReadonlyArray<readonly [string, string]> = [
  ['PAN', PAN],
  ['track 2', TRACK2],
  ['track 2 after the separator', TRACK2_TAIL],
  ['PIN block', PIN_BLOCK],
  ['PIN block, lower case', PIN_BLOCK.toLowerCase()],
  ['field 53', SECURITY],
  ['field 55', ICC],
  ['field 55, lower case', ICC.toLowerCase()],
  ['PAN as hex of its ASCII bytes', Buffer.from(PAN).toString('hex')],
  ['PIN block as hex of its ASCII bytes', Buffer.from(PIN_BLOCK).toString('hex').toUpperCase()],
];

function cardPurchase(stan: number): MessageInput {
  return purchase(stan, { 35: TRACK2, 52: PIN_BLOCK, 53: SECURITY, 55: ICC });
}

/** A pino logger writing to memory: the bytes as a destination stream receives them. */
function capturedLogger(): { logger: pino.Logger; bytes: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), bytes: () => Buffer.concat(chunks).toString('latin1') };
}

/** `maskedPanShown`: the log must show the masked PAN (a line summarised the message). */
function assertNoCardData(bytes: string, maskedPanShown = true): void {
  for (const [what, value] of SECRETS) assert.ok(!bytes.includes(value), `the log shows the ${what}`);
  if (maskedPanShown) assert.ok(bytes.includes(MASKED_PAN), 'the log shows the masked PAN');
}

/** Runs one purchase with card data through a sequence and returns the captured log bytes. */
async function logsOf(t: TestContext, sequence: Sequence, onError?: Sequence): Promise<string> {
  const { logger, bytes } = capturedLogger();
  const { port, endpoint } = await startEndpoint(t, { logger, sequence, ...(onError === undefined ? {} : { onError }) });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request(cardPurchase(1));
  assert.equal(reply.fields['11'], '000001');
  await endpoint.close();
  return bytes();
}

const answer: Sequence = (m) => ({ 0: '0210', 11: m.fields['11'] as string, 39: '00' });

test('card data – a sequence that throws an error carrying PIN block and field 55: the logged error text is masked', async (t) => {
  const bytes = await logsOf(t, (m) => {
    const f = m.fields;
    throw new Error(`declined ${String(f['2'])} ${String(f['35'])} ${String(f['52'])} ${String(f['53'])} ${String(f['55'])}`);
  });
  assert.match(bytes, /ISO8583_ERR_INBOUND_SEQUENCE_FAILED/);
  assertNoCardData(bytes);
  assert.match(bytes, /EMV\[9F26 9F27\]/, 'field 55 is shown as its tags');
});

test('card data – context.logger.info({ fields: message.fields }) writes every sensitive field masked', async (t) => {
  const bytes = await logsOf(t, (m, context) => {
    context.logger.info({ fields: m.fields }, 'received');
    return answer(m, context);
  });
  assertNoCardData(bytes);
  const line = bytes.split('\n').find((l) => l.includes('"received"'));
  assert.ok(line !== undefined);
  const fields = (JSON.parse(line) as { fields: Record<string, string> }).fields;
  assert.equal(fields['2'], MASKED_PAN);
  assert.equal(fields['35'], '411111******1111=*****************');
  assert.equal(fields['52'], '*'.repeat(16));
  assert.equal(fields['55'], 'EMV[9F26 9F27]');
  assert.equal(fields['11'], '000001', 'other fields are logged as they are');
});

test('card data – context.logger.info({ xml: message.xml }) writes the XML with its sensitive fields masked', async (t) => {
  const bytes = await logsOf(t, (m, context) => {
    context.logger.info({ xml: m.xml });
    return answer(m, context);
  });
  assertNoCardData(bytes);
  assert.match(bytes, /<field id=\\"2\\">411111\*{6}1111<\/field>/);
  assert.match(bytes, /<field id=\\"11\\">000001<\/field>/);
});

test('card data – message text, format arguments, lower-case hex, raw bytes, nested objects, errors and child bindings', async (t) => {
  const bytes = await logsOf(t, (m, context) => {
    const f = m.fields as Record<string, string>;
    const log = context.logger;
    log.info(`card ${f['2']!} pin ${f['52']!.toLowerCase()}`);
    log.info('card %s track %s icc %s', f['2'], f['35'], f['55']!.toLowerCase());
    log.debug({ raw: m.raw, nested: { list: [{ icc: f['55'] }], pan: Number(f['2']) } }, 'dump');
    log.error(new Error(`track ${f['35']!}`, { cause: new Error(`pin ${f['52']!}`) }));
    log.warn({ err: new TypeError(`bad ${f['53']!}`) }, 'typed');
    log.child({ card: f['2'] }).info({ tail: f['35']!.split('=')[1] }, 'child');
    log.info({ [f['2']!]: 'as a key' });
    return answer(m, context);
  });
  assertNoCardData(bytes);
  assert.match(bytes, /"type":"TypeError"/, 'an error keeps its class for the serialiser');
});

test('card data – an onError sequence that logs context.error (whose cause carries the PAN) writes it masked', async (t) => {
  const bytes = await logsOf(
    t,
    (m) => {
      throw new Error(`no route for ${String(m.fields['2'])} with ${String(m.fields['55'])}`);
    },
    (m, context) => {
      context.logger.error({ err: context.error, cause: context.error?.cause }, 'recovering');
      return { 0: '0210', 11: m.fields['11'] as string, 39: '91' };
    },
  );
  assertNoCardData(bytes);
  assert.match(bytes, /recovering/);
});

test('card data – the usual paths are redacted for values of another message too (pino redaction)', async (t) => {
  const OTHER = '5555555555554444';
  const bytes = await logsOf(t, (m, context) => {
    context.logger.info({ response: { 2: OTHER, 39: '00' }, request: { 35: `${OTHER}=3012` } }, 'forwarded');
    context.logger.info({ xml: `<ISOMessage><data><field id="2">${OTHER}</field></data></ISOMessage>` });
    context.logger.info({ fields: m.fields });
    return answer(m, context);
  });
  assert.ok(!bytes.includes(OTHER), 'the other PAN is redacted');
  assert.ok(bytes.includes('555555******4444'), 'and shown masked');
  assert.ok(bytes.includes('555555******4444=****'), 'in track data too');
  assertNoCardData(bytes);
});

test('card data – a PAN of another message in an unmarked field logged as an object is masked as free text, whole or not', async (t) => {
  // The PAN of an upstream's reply, in its private fields 48 and 62 and in a sub-field of 127, whole (no groups): the
  // per-message layer does not know it, so the redaction reads the fields as the codec shows them (maskFieldValue).
  const OTHER = '5413330089010434';
  const bytes = await logsOf(t, (m, context) => {
    context.logger.info({ fields: { 11: '000002', 4: '000000010000', 48: `R${OTHER}` } }, 'upstream fields');
    context.logger.info({ reply: { 39: '00', 62: OTHER, 127: { 2: `${OTHER}=3012` } } }, 'upstream reply');
    context.logger.info({ response: { 48: Number(OTHER) } }, 'upstream number');
    context.logger.info({ fields: m.fields });
    return answer(m, context);
  });
  assert.ok(!bytes.includes(OTHER), 'the other PAN is masked');
  assert.match(bytes, /"48":"R541333\*{6}0434"/);
  assert.match(bytes, /"62":"541333\*{6}0434"/);
  assert.match(bytes, /"127":\{"2":"541333\*{6}0434=\*{4}"\}/);
  assert.match(bytes, /"response":\{"48":"541333\*{6}0434"\}/);
  assert.match(bytes, /"4":"000000010000","11":"000002"/, 'a STAN and an amount are shown as they are');
  assertNoCardData(bytes);
});

test('card data – a field the dialect marks sensitive (a CVV in field 48) is masked in sequence logs too', async (t) => {
  const base = resolveDialect('iso87ascii');
  const dialect: Dialect = { ...base, fields: { ...base.fields, 48: { ...base.fields['48']!, sensitive: 'cvv' } } };
  const { logger, bytes } = capturedLogger();
  const { port, endpoint } = await startEndpoint(t, {
    logger,
    dialect,
    sequence: (m, context) => {
      context.logger.info(`cvv ${String(m.fields['48'])}`);
      context.logger.info({ fields: m.fields }, 'received');
      return answer(m, context);
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(2, { 48: 'CVV2=737' }))).fields['39'], '00');
  await endpoint.close();
  const text = bytes();
  assert.ok(!text.includes('CVV2=737'), 'the CVV field is not in the log');
  assert.match(text, /cvv \*{8}/);
  assert.ok(text.includes(MASKED_PAN));
});

test('card data – a sequence error whose code carries the track or the PIN block: the code is withheld', async (t) => {
  for (const code of [`DECLINED_${TRACK2}`, PIN_BLOCK]) {
    const bytes = await logsOf(t, () => {
      throw Object.assign(new Error('declined'), { code });
    });
    assertNoCardData(bytes, false);
    assert.match(bytes, /"code":"ERR_CODE_WITHHELD"/);
  }
});

test('card data – a sequence that fails after its timeout with the track in its code: the late line withholds it', async (t) => {
  const logs = captureLogs('info');
  const late = gate();
  const { port } = await startEndpoint(t, {
    logger: logs.logger,
    sequenceTimeout: 50,
    sequence: (m) =>
      late.promise.then(() => {
        throw Object.assign(new Error('declined'), { code: `DECLINED_${String(m.fields['35'])}` });
      }),
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(cardPurchase(1))).fields['39'], '96');
  late.open();
  const line = await logs.waitFor(/a sequence failed after its timeout/);
  assert.match(line, /"cause":"ERR_CODE_WITHHELD"/);
  assertNoCardData(logs.text(), false);
});

test('card data – values of another message that hold a star are still masked at the usual paths', async (t) => {
  const OTHER = '5413330089010434';
  const other = { 2: OTHER, 35: `${OTHER}=2512101*99`, 45: `B${OTHER}^CARD*HOLDER^2512101000123000`, 55: '*9F2608C1D2E3F4A5B6C7D8' };
  const bytes = await logsOf(t, (m, context) => {
    context.logger.info({ response: other, fields: other }, 'another message');
    return answer(m, context);
  });
  for (const value of [OTHER, other[35], other[45], other[55], '2512101000123000', '9F2608C1D2E3F4A5B6C7D8']) {
    assert.ok(!bytes.includes(value), `the log shows ${value}`);
  }
  assert.ok(bytes.includes('541333******0434=**********'), 'track 2 is masked');
});

test('card data – a sequence error naming a card that is not in the message: a short Luhn-valid PAN masked, STAN and time kept', async (t) => {
  // A private-label card of 8 digits (ISO/IEC 7812-1:2017 allows 8 to 19) that the sequence looked up elsewhere.
  const SHORT_PAN = '60110004';
  const bytes = await logsOf(t, (m) => {
    throw Object.assign(new Error(`card ${SHORT_PAN} refused for stan ${String(m.fields['11'])} at 1230`), { code: `DECLINED_${SHORT_PAN}` });
  });
  assert.ok(!bytes.includes(SHORT_PAN), 'the short PAN is not in the log');
  assert.match(bytes, /card \*{8} refused for stan 000001 at 1230/);
  assert.match(bytes, /"code":"ERR_CODE_WITHHELD"/);
});

test('card data – a sequence error naming another card as the hex of its EBCDIC or UTF-8 bytes: masked as free text', async (t) => {
  const OTHER = '5413330089010434';
  const ebcdic = Buffer.from([...OTHER].map((d) => 0xf0 + Number(d))).toString('hex').toUpperCase();
  const wide = Buffer.from(OTHER.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))), 'utf8').toString('hex');
  const bytes = await logsOf(t, () => {
    throw new Error(`card ${ebcdic} refused; typed as ${wide}`);
  });
  assert.ok(!bytes.includes(ebcdic), 'the EBCDIC hex of the other card is not in the log');
  assert.ok(!bytes.includes(wide.slice(36, 72)), 'the UTF-8 hex of its hidden digits is not in the log');
  assert.ok(bytes.includes(`card ${ebcdic.slice(0, 12)}${'*'.repeat(12)}${ebcdic.slice(24)} refused`), 'masked in place');
});

test('card data – a PAN in a field no one marks (48, 62, 102) is masked in sequence logs as describe() masks it', async (t) => {
  const IN_48 = '5413330089010434';
  const IN_102 = '4761739001010010';
  const { logger, bytes } = capturedLogger();
  const { port, endpoint } = await startEndpoint(t, {
    logger,
    sequence: (m, context) => {
      const f = m.fields as Record<string, string>;
      context.logger.info({ fields: f }, 'received');
      context.logger.info({ xml: m.xml, raw: m.raw });
      context.logger.info({ private: f['48'], account: f['102'] }, 'private');
      context.logger.warn(new Error(`declined ${IN_48} (account ${IN_102})`), 'declined');
      return answer(m, context);
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const request = purchase(3, { 48: `PAN=${IN_48};CVV2=123`, 62: `ref ${IN_48}=25121010000012300000`, 102: IN_102 });
  assert.equal((await client.request(request)).fields['39'], '00');
  await endpoint.close();
  const text = bytes();
  for (const value of [IN_48, IN_102, Buffer.from(IN_48).toString('hex'), Buffer.from(IN_102).toString('hex').toUpperCase(), '25121010000012300000']) {
    assert.ok(!text.includes(value), `the log shows ${value}`);
  }
  const line = text.split('\n').find((l) => l.includes('"received"'));
  const fields = (JSON.parse(line!) as { fields: Record<string, string> }).fields;
  assert.equal(fields['48'], 'PAN=541333******0434;CVV2=123');
  assert.equal(fields['62'], 'ref 541333******0434=********************');
  assert.equal(fields['102'], '476173******0010');
  assert.equal(fields['41'], 'TERM0001', 'a key is shown as it is');
  assert.match(text, /declined 541333\*{6}0434 \(account 476173\*{6}0010\)/);
});

test('card data – a PAN in field 48 or track 1 in field 62 as an EBCDIC hex dump is masked in sequence logs, the PAN sliced out too', async (t) => {
  const IN_48 = '4761739001010010';
  const ebcdic = (digits: string): string => Buffer.from([...digits].map((c) => 0xf0 + Number(c))).toString('hex').toUpperCase();
  const HEX_48 = ebcdic(IN_48);
  // %B PAN ^DOE/JOHN^ 2512101123456 in EBCDIC inside words; C4D6C561D1D6C8D5 is DOE/JOHN.
  const NAME = 'C4D6C561D1D6C8D5';
  const f48 = `PAN=${HEX_48.match(/../g)!.join(' ')};CVV2=123`;
  const f62 = `TRK1=6CC2${HEX_48}5F${NAME}5F${ebcdic('2512101123456')} x`;
  const { logger, bytes } = capturedLogger();
  const { port, endpoint } = await startEndpoint(t, {
    logger,
    sequence: (m, context) => {
      const f = m.fields as Record<string, string>;
      context.logger.info({ fields: f }, 'received');
      context.logger.info(`card ${f['48']!.slice(4, f['48']!.indexOf(';'))}`);
      context.logger.info(`pan ${HEX_48}`);
      return answer(m, context);
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(4, { 48: f48, 62: f62 }))).fields['39'], '00');
  await endpoint.close();
  const text = bytes();
  for (const value of [HEX_48, HEX_48.match(/../g)!.join(' '), HEX_48.slice(12, 24), NAME, ebcdic('251210')]) {
    assert.ok(!text.includes(value), `the log shows ${value}: ${text}`);
  }
  assert.match(text, /pan F4F7F6F1F7F3\*{12}F0F0F1F0/);
});
