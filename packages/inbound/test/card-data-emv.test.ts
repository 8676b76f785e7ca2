// The sequence logger and the data objects of field 55 (EMV), and the cost of its mask under a hostile message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTlv, emvToTags, parseTlv, resolveDialect, wireHex } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { CardDataMask, MAX_EXACT_RUNS } from '../src/card-data-mask.js';
import { TestClient, purchase } from './support/client.js';
import { captureLogs } from './support/logs.js';
import { startEndpoint } from './support/endpoint.js';

const PAN = '4761739001010010';
const TRACK_TAIL = '2512201114380448';
const T57 = `${PAN}D${TRACK_TAIL}F`;
const ARQC = 'A1B2C3D4E5F60102';
const IAD = '06010A03A4B800';
const AMOUNT = '000000001000';
/** 5A (PAN), 57 (track 2 equivalent, F-padded), 9F26 (ARQC), 9F02 (amount) and a constructed 70 holding 9F10 (IAD). */
const ICC = `5A08${PAN}5711${T57}9F2608${ARQC}9F0206${AMOUNT}700A9F1007${IAD}`;

test('card data – a sequence that logs parseTlv or emvToTags of field 55 shows no PAN, track tail, cryptogram or IAD', async (t) => {
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, {
    logger: logs.logger,
    sequence: (m, context) => {
      const icc = m.fields['55'] as string;
      context.logger.info({ emv: emvToTags(icc), amount: m.fields['4'] }, 'tags');
      context.logger.info({ tlv: parseTlv(icc) }, 'items');
      context.logger.info({ lower: JSON.stringify(emvToTags(icc)).toLowerCase() }, 'lower');
      return { 0: '0210', 11: m.fields['11'] as string, 39: '00' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1, { 4: AMOUNT, 55: ICC }))).fields['39'], '00');
  await endpoint.close();
  const text = logs.text();
  for (const secret of [PAN, TRACK_TAIL, ARQC, IAD]) {
    assert.ok(!text.includes(secret), `the log shows ${secret}`);
    assert.ok(!text.includes(secret.toLowerCase()), `the log shows ${secret} in lower case`);
  }
  const tags = (JSON.parse(text.split('\n').find((l) => l.includes('"tags"'))!) as { emv: Record<string, unknown>; amount: string });
  assert.equal(tags.emv['5A'], '476173******0010');
  assert.match(tags.emv['57'] as string, /^476173\*{6}0010D\*+/);
  assert.equal(tags.emv['9F26'], '*'.repeat(16));
  assert.deepEqual(tags.emv['70'], { '9F10': '*'.repeat(14) }, 'a nested constructed tag');
  assert.equal(tags.amount, AMOUNT, 'the amount (also 9F02) is shown');
});

test('card data – a contactless message whose PAN is only in EMV 9F6B (track 2) and 56 (track 1): PAN and name hidden', async (t) => {
  const track1 = `B${PAN}^DOE/JOHN^2512201`;
  const icc = buildTlv([
    { tag: '9F6B', value: `${PAN}D${TRACK_TAIL}F` },
    { tag: '56', value: Buffer.from(track1, 'latin1').toString('hex').toUpperCase() },
    { tag: '9F27', value: '80' },
  ]);
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, {
    logger: logs.logger,
    sequence: (m, context) => {
      const tags = emvToTags(m.fields['55'] as string) ?? {};
      const fromTrack2 = (tags['9F6B'] as string).split('D')[0]!;
      const text = Buffer.from(tags['56'] as string, 'hex').toString('latin1');
      context.logger.info(`card ${fromTrack2} track 1 ${text} name ${text.split('^')[1]!}`);
      context.logger.info({ card: fromTrack2, tail: (tags['9F6B'] as string).split('D')[1] }, 'card as a value');
      return { 0: '0210', 11: m.fields['11'] as string, 39: '00' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  // Without 2 and 35 (the PAN travels in field 55 only), then with them (the name of 56 was still shown).
  const lean: Record<string, unknown> = purchase(1, { 55: icc });
  delete lean['2'];
  assert.equal((await client.request(lean as ReturnType<typeof purchase>)).fields['39'], '00');
  assert.equal((await client.request(purchase(2, { 2: PAN, 35: `${PAN}=${TRACK_TAIL}`, 55: icc }))).fields['39'], '00');
  await endpoint.close();
  const text = logs.text();
  for (const secret of [PAN, 'DOE/JOHN', TRACK_TAIL]) assert.ok(!text.includes(secret), `the log shows ${secret}`);
  assert.match(text, /card 476173\*{6}0010 track 1 B476173\*{6}0010\^\*+ name \*{8}/);
});

test('card data – the cardholder name of track 1 (45) or of EMV 5F20 / 9F0B, logged on its own, is hidden; other words are not', async (t) => {
  const name = Buffer.from('SMITH/ANNA').toString('hex').toUpperCase();
  const extended = Buffer.from('SMITH/ANNA MARIA').toString('hex').toUpperCase();
  const icc = `5F200A${name}9F0B10${extended}9F0206${AMOUNT}`;
  const track1 = `B${PAN}^DOE/JOHN                  ^${TRACK_TAIL}`;
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, {
    logger: logs.logger,
    sequence: (m, context) => {
      const [, holder] = (m.fields['45'] as string).split('^');
      const tags = emvToTags(m.fields['55'] as string) ?? {};
      const text = (tag: string): string => Buffer.from(tags[tag] as string, 'hex').toString('latin1');
      context.logger.info({ holder, trimmed: holder!.trim(), emvName: text('5F20'), emvExtended: text('9F0B') }, 'names of DOE/JOHN');
      return { 0: '0210', 11: m.fields['11'] as string, 39: '00' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1, { 45: track1, 55: icc }))).fields['39'], '00');
  await endpoint.close();
  const line = JSON.parse(logs.text().split('\n').find((l) => l.includes('"holder"'))!) as Record<string, string>;
  assert.equal(line['holder'], '*'.repeat(26));
  assert.equal(line['trimmed'], '********');
  assert.equal(line['emvName'], '**********');
  assert.equal(line['emvExtended'], '*'.repeat(16));
  // The words of a message that are no cardholder name stay; the name is a name of this message only.
  assert.equal(line['msg'], 'names of ********');
  const other = CardDataMask.of({ 0: '0200', 45: track1 }, resolveDialect('iso87ascii'));
  assert.equal(other.text('DOE/JANE at TERM0001, SMITH/ANNA'), 'DOE/JANE at TERM0001, SMITH/ANNA');
  // A name shorter than 4 characters (`LI`) is not searched for: it would hide those letters, and its hex, everywhere.
  const short = CardDataMask.of({ 0: '0200', 55: `5F2002${Buffer.from('LI').toString('hex').toUpperCase()}` }, resolveDialect('iso87ascii'));
  assert.equal(short.text('stan 4C49, LIMIT 000000004C49'), 'stan 4C49, LIMIT 000000004C49');
});

/** A message whose private fields are full of 13-digit runs, each one a possible PAN. */
function hostile(): { fields: IsoMessage; runs: string[] } {
  const runs: string[] = [];
  const fields: Record<string, string> = { 0: '0200', 2: PAN, 11: '000001' };
  for (const id of ['48', '62', '63', '72', '120', '121', '122', '123', '124', '125', '126', '127']) {
    let value = '';
    while (value.length + 14 <= 999) {
      const run = String(1000000000000 + runs.length * 7919);
      runs.push(run);
      value += `${run} `;
    }
    fields[id] = value;
  }
  return { fields, runs };
}

test('card data – a message with hundreds of digit runs: the mask stays small and masks every run wholesale', () => {
  const dialect = resolveDialect('iso87ascii');
  const { fields, runs } = hostile();
  assert.ok(runs.length > 10 * MAX_EXACT_RUNS);
  const mask = CardDataMask.of(fields, dialect);
  assert.ok(mask.wholesale);
  // Each value and each of the first runs in a handful of forms (its spaced hex and base64 among them), not every run of
  // the message.
  assert.ok(mask.size <= 12 * (MAX_EXACT_RUNS + 16), `${mask.size} forms`);
  const last = runs[runs.length - 1]!;
  const line = mask.text(`refused ${last} stan 000001; ascii ${Buffer.from(last).toString('hex')}; ebcdic ${wireHex(last, 'ebcdic').toLowerCase()}`);
  assert.ok(!line.includes(last), line);
  assert.ok(!line.includes(Buffer.from(last).toString('hex')), line);
  assert.ok(!line.toUpperCase().includes(wireHex(last, 'ebcdic')), line);
  assert.match(line, /stan 000001/, 'a short number is kept');
  // The same run as an EBCDIC dump with its byte pairs apart (no form of it was added: past the cap).
  const spaced = wireHex(last, 'ebcdic').match(/../g)!.join(' ');
  const dump = mask.text(`dump ${spaced}`);
  assert.ok(!dump.includes(spaced.slice(18, 36)), dump);
});

test('card data – an ordinary message is masked form by form, not wholesale', () => {
  const mask = CardDataMask.of({ 0: '0200', 2: PAN, 11: '000001', 48: 'ACCT=5413330089010434;X' }, resolveDialect('iso87ascii'));
  assert.equal(mask.wholesale, false);
  assert.equal(mask.text('order 1234567890123 of 5413330089010434'), 'order 1234567890123 of 541333******0434');
});

test('card data – track 1 data after the name (expiry, service code, CVV1), logged on its own, is hidden: field 45 and EMV 56', () => {
  const dialect = resolveDialect('iso87ascii');
  const track1 = `B${PAN}^DOE/JOHN^${TRACK_TAIL}`;
  const t56 = Buffer.from(track1, 'latin1').toString('hex').toUpperCase();
  const icc56 = buildTlv([{ tag: '56', value: t56 }, { tag: '9F27', value: '80' }]);
  for (const [what, fields] of [['field 45', { 0: '0200', 45: track1 }], ['EMV 56', { 0: '0200', 55: icc56 }]] as const) {
    const mask = CardDataMask.of(fields, dialect);
    const line = mask.text(`tail ${TRACK_TAIL}; hex ${Buffer.from(TRACK_TAIL).toString('hex')}`);
    assert.equal(line, `tail ${'*'.repeat(16)}; hex ${'*'.repeat(32)}`, what);
  }
  // A tail shorter than 6 characters is not searched for (it would hide those digits everywhere).
  const short = CardDataMask.of({ 0: '0200', 45: `B${PAN}^DOE/JOHN^2512` }, dialect);
  assert.equal(short.text('stan 2512'), 'stan 2512');
});
