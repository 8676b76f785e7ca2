/**
 * A dialect's composites nest at most as deep as the message views read and write them (4): deeper is refused with
 * ISO8583_ERR_DIALECT_INVALID naming the path, for a dialect document (before the schema validator, which threw an
 * uncoded RangeError at 2,000 levels) and for a dialect object given to createCodec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error, createCodec, dialectFromJson, fromXml, getDialect, toJson, toXml } from '../src/index.js';
import type { Dialect, FieldSpec } from '../src/index.js';

const LEAF = { name: 'L', type: 'ans', length: 10, encoding: 'ascii', prefix: { digits: 3, encoding: 'ascii' } };
const DEEP_PATH = 'fields.127' + '.subfields.fields.2'.repeat(4);

/** Field 127 as `levels` composites, each holding the next as its subfield 2, the last a text. */
function nested(levels: number): Record<string, unknown> {
  let field: Record<string, unknown> = LEAF;
  for (let i = 0; i < levels; i++) {
    field = { name: 'C', type: 'ans', length: 999, encoding: 'ascii', prefix: { digits: 3, encoding: 'ascii' }, subfields: { fields: { '2': field } } };
  }
  return field;
}

function refusal(run: () => unknown): Iso8583Error {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof Iso8583Error, `an Iso8583Error, not ${String(err)}`);
    return err;
  }
  assert.fail('the dialect was accepted');
}

test('dialect composite depth – 4 levels read and written by every view; 5 and 2,000 refused naming the path', () => {
  const four = createCodec(dialectFromJson({ name: 'four', extends: 'iso87ascii', fields: { '127': nested(4) } }));
  const message = { '0': '0200', '3': '000000', '11': '000001', '127': { '2': { '2': { '2': { '2': 'ABC' } } } } };
  const back = four.unpack(four.pack(message));
  assert.deepEqual(JSON.parse(toJson(back))['127'], message['127']);
  assert.deepEqual(fromXml(toXml(back)).message['127'], message['127']);
  for (const levels of [5, 2000]) {
    // Written as text (JSON.stringify of an object 2,000 deep would itself run out of stack).
    const open = JSON.stringify(nested(1)).replace(/\{"2":.*$/, '{"2":');
    const doc = `{"name":"deep","extends":"iso87ascii","fields":{"127":${open.repeat(levels)}${JSON.stringify(LEAF)}${'}}}'.repeat(levels)}}}`;
    const err = refusal(() => dialectFromJson(doc));
    assert.equal(err.code, 'ISO8583_ERR_DIALECT_INVALID', `${levels} levels`);
    assert.deepEqual(err.problems?.map((p) => [p.field, p.code]), [[DEEP_PATH, 'ISO8583_ERR_DIALECT_INVALID']], `${levels} levels`);
    assert.match(err.message, /nest deeper than 4 levels/);
  }
});

test('dialect composite depth – a dialect object nested 5 or 3,000 deep is refused by createCodec naming the path', () => {
  for (const levels of [5, 3000]) {
    const dialect: Dialect = { ...getDialect('iso87ascii'), name: 'deep-object' };
    dialect.fields = { ...dialect.fields, '127': nested(levels) as unknown as FieldSpec };
    const err = refusal(() => createCodec(dialect));
    assert.equal(err.code, 'ISO8583_ERR_DIALECT_INVALID', `${levels} levels`);
    assert.deepEqual(err.problems?.map((p) => p.field), [DEEP_PATH], `${levels} levels`);
  }
});
