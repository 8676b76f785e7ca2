// What the masking of a sequence logger's field owners missed: a relay result or an EncodedReply (fields under a
// nested `message`, bytes under `body`/`header`), JSON that does not parse as one value (two JSON lines, JSON then
// text, a leading byte order mark), and a document nested thousands deep (a RangeError thrown into the sequence). Each
// line is read for the card data of another message (the bank's answer: PAN, PIN block 52, EMV 55), and a log call
// never throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { resolveDialect } from '@iso8583/codec';
import { CardDataMask } from '../src/card-data-mask.js';
import { EncodedReply } from '../src/encoded-reply.js';
import { maskingLogger } from '../src/sequence-logger.js';

const dialect = resolveDialect('iso87ascii');
const PAN = '5413330089010434';
const PIN = 'A1B2C3D4E5F6A7B8';
const EMV = '910A1122334455667788990071129F1804AABBCCDD860A84DA00000A11223344';
const answer = { 0: '0210', 2: PAN, 11: '000001', 39: '00', 41: 'TERM0001', 52: PIN, 55: EMV };
const SECRETS = [PAN, PIN, '1122334455667788', '9F1804AABBCCDD'];

/** A sequence logger for a message that holds no card data (the logged answer is another message's), and its lines. */
function sequenceLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const base = pino({}, { write: (line: string) => void lines.push(line) });
  return { logger: maskingLogger(base, CardDataMask.of({ 0: '0200', 11: '000001' }, dialect), dialect), lines };
}

function assertMasked(lines: string[], count: number): void {
  assert.equal(lines.length, count);
  for (const line of lines) for (const secret of SECRETS) assert.ok(!line.includes(secret), `${secret} shown: ${line}`);
}

test('sequence logger – a relay result and an EncodedReply: the fields under `message` masked, `body`/`header` bytes as their length', () => {
  const { logger, lines } = sequenceLogger();
  const body = Buffer.from(JSON.stringify(answer));
  logger.info({ response: { message: answer, body, header: Buffer.from('ISO0160000'), dialect: 'iso87ascii' } }, 'relay');
  logger.info({ reply: new EncodedReply(answer, body, dialect) }, 'encoded');
  logger.info({ response: { mti: '0210', fields: answer } }, 'mti and fields');
  assertMasked(lines, 3);
  assert.match(lines[0]!, new RegExp(`"body":"\\[${body.length} bytes\\]"`));
  assert.match(lines[0]!, /"header":"\[10 bytes\]"/);
  assert.match(lines[0]!, /"2":"541333\*{6}0434"/);
  assert.match(lines[0]!, /"39":"00"/);
});

test('sequence logger – JSON that is not one value (two lines, JSON then text, a BOM) is masked, never free text only', () => {
  const { logger, lines } = sequenceLogger();
  const json = JSON.stringify(answer);
  logger.info({ response: `${json}\n${json}` }, 'two lines');
  logger.info({ response: `${json} trailing` }, 'json then text');
  logger.info({ response: `\uFEFF${json}` }, 'bom');
  logger.info({ response: `{"52": "${PIN}", "55":"${EMV}", "x": "ok" ` }, 'cut short');
  assertMasked(lines, 4);
  assert.match(lines[0]!, /"response":"\{\\"0\\":\\"0210\\".*\}\\n\{\\"0\\":\\"0210\\"/, 'both lines masked as documents');
  assert.match(lines[3]!, /\\"x\\": \\"ok\\"/, 'what is not card data stays');
});

test('sequence logger – a document nested thousands deep is cut, and a log call never throws', () => {
  const { logger, lines } = sequenceLogger();
  const deep = `${'{"1":'.repeat(5_000)}"${PAN}"${'}'.repeat(5_000)}`;
  assert.doesNotThrow(() => logger.info({ response: deep }, 'deep json'));
  const nested: Record<string, unknown> = {};
  let at = nested;
  for (let i = 0; i < 5_000; i++) at = at['1'] = {} as Record<string, unknown>;
  assert.doesNotThrow(() => logger.info({ fields: nested }, 'deep object'));
  const hostile = { get 2(): string { throw new Error('no'); } };
  assert.doesNotThrow(() => logger.info({ response: hostile }, 'a getter that throws'));
  assert.doesNotThrow(() => logger.info('text %s', { toString: () => { throw new Error('no'); } }));
  assertMasked(lines, 4);
  assert.match(lines[2]!, /"response":"\[unmaskable\]"/);
  assert.match(lines[3]!, /\[unmaskable\]/);
});
