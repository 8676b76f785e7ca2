// The masking of a sequence logger's field owners (`reply`, `fields`, ...): an owner is read field by field
// whatever its prototype (a parsed `__proto__` key sets one) and when it is an array (field numbers as indexes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { resolveDialect } from '@iso8583/codec';
import { CardDataMask } from '../src/card-data-mask.js';
import { maskingLogger } from '../src/sequence-logger.js';

const dialect = resolveDialect('iso87ascii');
const PAN = '5413330089010434';
const TRACK2 = `${PAN}=25121011234`;

/** A sequence logger for a message that holds no card data (the reply's is another message's), and its lines. */
function sequenceLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const base = pino({}, { write: (line: string) => void lines.push(line) });
  return { logger: maskingLogger(base, CardDataMask.of({ 0: '0200', 11: '000001' }, dialect), dialect), lines };
}

test('sequence logger – an owner with a __proto__ key (parsed JSON) has its card data masked', () => {
  const { logger, lines } = sequenceLogger();
  const reply: unknown = JSON.parse(`{"__proto__":{"note":"x"},"2":"${PAN}","35":"${TRACK2}","39":"00"}`);
  logger.info({ reply }, 'reply');
  logger.info({ fields: Object.setPrototypeOf({ 2: PAN, 39: '00' }, { other: 1 }) as unknown }, 'fields');
  assert.equal(lines.length, 2);
  for (const line of lines) {
    assert.ok(!line.includes(PAN), `PAN shown: ${line}`);
    assert.match(line, /541333\*{6}0434/);
    assert.match(line, /"39":"00"/);
  }
  assert.match(lines[0]!, /"__proto__":\{"note":"x"\}/, 'the __proto__ key is logged as a key');
});

test('sequence logger – an owner that is an array is read field by field (its indexes as field numbers)', () => {
  const { logger, lines } = sequenceLogger();
  logger.info({ fields: ['0200', 'b', PAN] }, 'array');
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes(PAN), `PAN shown: ${lines[0]}`);
  assert.match(lines[0]!, /"fields":\["0200","b","541333\*{6}0434"\]/);
});
