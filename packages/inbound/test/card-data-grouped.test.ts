/**
 * A sequence's logger and the card numbers of its message written otherwise than the message holds them: in groups
 * (as a receipt or a screen formats them, or as a client typed them into a private field), and in pieces. Every
 * number in groups of 13 digits or more is masked as the codec's free-text rule masks it, and a run of 7 digits or
 * more that is a piece of one of the message's PANs is hidden.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDialect } from '@iso8583/codec';
import { assertLinearSteps } from '@iso8583/test-support';
import { CardDataMask, cardDataMaskWork } from '../src/card-data-mask.js';
import { TestClient, purchase } from './support/client.js';
import { captureLogs } from './support/logs.js';
import { startEndpoint } from './support/endpoint.js';

const PAN = '4761739001010010';
const IN_62 = '5413330089010434';

test('card data – a sequence that logs its PAN in groups, a piece of it, or part of a private field with a grouped PAN shows none of them', async (t) => {
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, {
    logger: logs.logger,
    sequence: (m, context) => {
      const f = m.fields as Record<string, string>;
      const log = context.logger;
      log.info(`grouped ${f['2']!.replace(/(\d{4})(?=\d)/g, '$1 ')}`);
      log.info(`dashed ${f['2']!.replace(/(\d{4})(?=\d)/g, '$1-')}`);
      log.info(`pieces ${f['2']!.slice(0, 12)} ${f['2']!.slice(3, 10)} bin ${f['2']!.slice(0, 6)} last ${f['2']!.slice(-4)}`);
      log.info({ part: f['48']!.slice(2) }, 'part of 48');
      log.info(`words ${f['62']!.split(/\s+/).join(' ')}`);
      log.info(`json ${JSON.stringify(f['48']).replace(/4/g, '\\u0034')}`);
      return { 0: '0210', 11: f['11']!, 39: '00' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const request = purchase(1, { 2: PAN, 48: 'X 4761 7390 0101 0010 Y', 62: '5413  3300-8901 0434' });
  assert.equal((await client.request(request)).fields['39'], '00');
  await endpoint.close();
  const text = logs.text();
  for (const pan of [PAN, IN_62]) {
    for (let i = 0; i + 7 <= pan.length; i++) {
      const piece = new RegExp(pan.slice(i, i + 7).split('').join('(?:[ -]|\\\\u003)*'));
      assert.doesNotMatch(text, piece, `the log shows ${pan.slice(i, i + 7)} of ${pan}`);
    }
  }
  assert.match(text, /grouped 4761 73\*\* \*\*\*\* 0010/);
  assert.match(text, /dashed 4761-73\*\*-\*\*\*\*-0010/);
  assert.match(text, /pieces \*{12} \*{7} bin 476173 last 0010/, 'the BIN and the last 4 digits are shown');
  assert.match(text, /"part":"4761 73\*\* \*\*\*\* 0010 Y"/);
  assert.match(text, /words 5413 33\*\*-\*\*\*\* 0434/);
});

test('card data – a PAN passed to the sequence logger in pieces as format arguments, or logged for a message with no card data, is masked', async (t) => {
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, {
    logger: logs.logger,
    sequence: (m, context) => {
      const f = m.fields as Record<string, string>;
      const log = context.logger;
      if (f['0'] === '0800') {
        log.info('looked up card 4761 7390 0101 0010 for a token');
        log.info('card %s %s %s %s', '5413', '3300', '8901', '0434');
        return { 0: '0810', 11: f['11']!, 39: '00', 70: '301' };
      }
      log.info({ stan: f['11'] }, 'card %s %s %s %s', '4761', '7390', '0101', '0010');
      return { 0: '0210', 11: f['11']!, 39: '00' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1, { 2: PAN }))).fields['39'], '00');
  assert.equal((await client.request({ 0: '0800', 7: '1202103000', 11: '000002', 70: '301' })).fields['39'], '00');
  await endpoint.close();
  const text = logs.text();
  assert.match(text, /"stan":"000001".*"msg":"card 4761 73\*\* \*\*\*\* 0010"/);
  assert.match(text, /looked up card 4761 73\*\* \*\*\*\* 0010 for a token/);
  assert.match(text, /"msg":"card 5413 33\*\* \*\*\*\* 0434"/);
  assert.doesNotMatch(text, /7390 0101|3300 8901/);
});

test('card data – the grouped rule and the piece rule leave STANs, amounts, times and other numbers alone', () => {
  const dialect = resolveDialect('iso87ascii');
  const mask = CardDataMask.of({ 0: '0200', 2: PAN, 4: '000000001000', 11: '000123' }, dialect);
  const line = 'stan 000123 amount 000000001000 at 2026-12-02 10:30:00 rrn 633606000001 phone +44 20 7946 0958 bin 47617390';
  assert.equal(mask.text(line), line.replace('47617390', '********'), 'only the piece of the PAN (8 digits) is hidden');
  assert.equal(mask.text('4761 7390 0101 0010'), '4761 73** **** 0010');
  assert.equal(mask.text('card 5413 3300 8901 0434 of another message'), 'card 5413 33** **** 0434 of another message');
});

test('card data – a piece of the message\'s PAN in groups, or glued to other digits, is hidden; the BIN and the last 4 apart are shown', () => {
  const mask = CardDataMask.of({ 0: '0200', 2: PAN, 11: '000123' }, resolveDialect('iso87ascii'));
  assert.equal(mask.text('first 4761 7390 0101 then 476173 900101'), 'first **** **** **** then ****** ******');
  assert.equal(mask.text('glued 0476173900101 and 12%207390010'), 'glued ************* and **%20*******');
  assert.equal(mask.text('bin 476173 last 0010, 476173 0010, stan 000123'), 'bin 476173 last 0010, 476173 0010, stan 000123');
});

test('card data – digits and separators through a sequence logger mask: its own work grows linearly from 16 to 64 KiB', () => {
  // The steps CardDataMask.text takes itself (the codec's masks it calls are checked in the codec's tests): about 4
  // times from 16 to 64 KiB when linear, 16 times when quadratic. Counted, not timed: deterministic on a busy machine.
  const dialect = resolveDialect('iso87ascii');
  const mask = CardDataMask.of({ 0: '0200', 2: PAN, 48: `PAN ${IN_62}` }, dialect);
  assertLinearSteps(['1 ', '1-', '1234567 ', '4761739 ', '1', '1234 5-', `${PAN}=`, '4761 7390 ', `${PAN.slice(0, 8)} `],
    (text) => mask.text(text), () => cardDataMaskWork.steps);
});
