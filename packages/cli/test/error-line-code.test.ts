// The `iso8583` command's error line takes its code from the error: a code set by user code (a flow's sequence
// module) may hold card data, and is shown only when it is shaped like a code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, formatError } from '../src/io.js';

const PAN = '4111111111111111';

test('an error code holding a card number is withheld from the error line; a code-shaped one is shown as it is', () => {
  const leaky = Object.assign(new Error('declined'), { code: `DECLINED_${PAN}` });
  const line = formatError(leaky);
  assert.ok(!line.includes(PAN), line);
  assert.ok(!line.includes('111111'), line);
  assert.match(line, /^iso8583: ERR_CODE_WITHHELD: declined\n$/);
  const coded = Object.assign(new Error('no such dialect'), { code: 'ISO8583_ERR_DIALECT_UNKNOWN' });
  assert.equal(formatError(coded), 'iso8583: ISO8583_ERR_DIALECT_UNKNOWN: no such dialect\n');
  assert.equal(errorCode(new Error('plain')), 'ISO8583_ERR_CLI_UNEXPECTED');
});
