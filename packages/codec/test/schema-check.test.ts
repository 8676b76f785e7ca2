/**
 * compileSchemaCheck: every offending path named once (dotted or JSON Pointer), reasons in words and never the value,
 * anyOf noise collapsed, defaults and coercion on request, the `typeof` keyword; schemaCheckError / assertSchemaCheck.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error, assertSchemaCheck, compileSchemaCheck, schemaCheckError } from '../src/index.js';

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['host'],
  properties: {
    host: { type: 'string', minLength: 1 },
    frame: { enum: ['binary2', 'ascii4'], default: 'binary2' },
    dialect: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }] },
    logger: { typeof: 'object' },
    handler: { typeof: 'function' },
    pool: {
      type: 'object',
      additionalProperties: false,
      properties: { max: { type: 'integer', minimum: 1, default: 1 } },
      default: {},
    },
    routes: { type: 'object', propertyNames: { pattern: '^[a-z]+$' }, additionalProperties: { type: 'string' } },
    'a/b': { type: 'integer' },
  },
};

const OPTIONS = { code: 'ISO8583_ERR_TEST', subject: 'test options' };

test('a valid value has no problems; useDefaults fills in the defaults', () => {
  const check = compileSchemaCheck(SCHEMA, { ...OPTIONS, useDefaults: true });
  const value: Record<string, unknown> = { host: 'h', handler: () => undefined, logger: {} };
  assert.deepEqual(check(value), []);
  assert.equal(value.frame, 'binary2');
  assert.deepEqual(value.pool, { max: 1 });
  const plain: Record<string, unknown> = { host: 'h' };
  assert.deepEqual(compileSchemaCheck(SCHEMA, OPTIONS)(plain), []);
  assert.equal(plain.frame, undefined);
});

test('every offending option is named once, dotted, with a reason in words and never the value', () => {
  const check = compileSchemaCheck(SCHEMA, { ...OPTIONS, unknownReason: 'is not an option' });
  const problems = check({ frame: 'SECRET-FRAME', dialect: 42, pool: { max: 0, extra: 1 }, logger: 'x', handler: 7, bogus: 1 });
  const byField = new Map(problems.map((p) => [p.field, p.reason]));
  assert.deepEqual([...byField.keys()].sort(), ['bogus', 'dialect', 'frame', 'handler', 'host', 'logger', 'pool.extra', 'pool.max']);
  assert.equal(byField.get('host'), 'is required');
  assert.equal(byField.get('bogus'), 'is not an option');
  assert.equal(byField.get('frame'), 'must be one of binary2, ascii4');
  assert.equal(byField.get('dialect'), 'is of the wrong kind');
  assert.equal(byField.get('logger'), 'is of the wrong kind');
  assert.equal(byField.get('handler'), 'is of the wrong kind');
  assert.equal(byField.get('pool.max'), 'must be >= 1');
  for (const p of problems) {
    assert.equal(p.code, 'ISO8583_ERR_TEST');
    assert.doesNotMatch(p.reason, /SECRET/);
  }
});

test('pointer paths: escaped segments, the root as "/", bad property names named by path', () => {
  const check = compileSchemaCheck(SCHEMA, { ...OPTIONS, paths: 'pointer' });
  const problems = check({ host: 'h', 'a/b': 'x', routes: { Bad: 'r', ok: 1 } });
  const fields = problems.map((p) => p.field).sort();
  assert.deepEqual(fields, ['/a~1b', '/routes/Bad', '/routes/ok']);
  assert.equal(check(5)[0]?.field, '/');
  assert.equal(compileSchemaCheck(SCHEMA, OPTIONS)(5)[0]?.field, '(options)');
  assert.equal(compileSchemaCheck(SCHEMA, { ...OPTIONS, root: 'config' })(5)[0]?.field, 'config');
});

test('coerceTypes turns flag text into numbers', () => {
  const check = compileSchemaCheck(SCHEMA, { ...OPTIONS, coerceTypes: true });
  const value: Record<string, unknown> = { host: 'h', pool: { max: '3' } };
  assert.deepEqual(check(value), []);
  assert.deepEqual(value.pool, { max: 3 });
});

test('schemaCheckError and assertSchemaCheck: the coded error names every path', () => {
  const check = compileSchemaCheck(SCHEMA, OPTIONS);
  const problems = check({ bogus: 'SECRET' });
  const err = schemaCheckError(problems, OPTIONS);
  assert.ok(err instanceof Iso8583Error);
  assert.equal(err.code, 'ISO8583_ERR_TEST');
  assert.equal(err.field, problems[0]?.field);
  assert.match(err.message, /^invalid test options: /);
  assert.match(err.message, /host \(is required\)/);
  assert.match(err.message, /bogus \(is not a known key\)/);
  assert.doesNotMatch(err.message, /SECRET/);
  assert.throws(() => assertSchemaCheck(check, {}, OPTIONS), { code: 'ISO8583_ERR_TEST', field: 'host' });
  assert.doesNotThrow(() => assertSchemaCheck(check, { host: 'h' }, OPTIONS));
});

test('checks made with the same options keep their own rules, even for two schemas with the same $id', () => {
  const id = 'https://example.test/schemas/same.json';
  const strings = compileSchemaCheck({ $id: id, type: 'object', properties: { a: { type: 'string' } } }, { code: 'X', subject: 's' });
  const numbers = compileSchemaCheck({ $id: id, type: 'object', properties: { a: { type: 'number' } } }, { code: 'X', subject: 's' });
  assert.deepEqual(strings({ a: 'text' }), []);
  assert.deepEqual(numbers({ a: 1 }), []);
  assert.deepEqual(strings({ a: 1 }).map((p) => p.field), ['a']);
  assert.deepEqual(numbers({ a: 'text' }).map((p) => p.field), ['a']);
  // Defaults are filled in only by the check that asked for them, from the same schema object.
  const filling = compileSchemaCheck(SCHEMA, { code: 'X', subject: 's', useDefaults: true });
  const plain = compileSchemaCheck(SCHEMA, { code: 'X', subject: 's' });
  const filled: Record<string, unknown> = { host: 'h' };
  const untouched: Record<string, unknown> = { host: 'h' };
  assert.deepEqual(filling(filled), []);
  assert.deepEqual(plain(untouched), []);
  assert.equal(filled.frame, 'binary2');
  assert.equal(untouched.frame, undefined);
});

test('an invalid schema is refused when it is compiled, as ajv refuses it', () => {
  assert.throws(() => compileSchemaCheck({ type: 'object', properties: { a: { type: 'no-such-type' } } }, { code: 'X', subject: 's' }), /schema is invalid/);
});

test('a schema is checked against the JSON Schema meta-schema unless checkSchema is false (the toolkit\'s own, tested)', () => {
  // `description` must be a string: the meta-schema refuses this schema; nothing in it changes what a value may be.
  // A new object each time: ajv keeps a schema object it was given, even one it refused.
  const odd = (): Record<string, unknown> => ({ type: 'object', description: 5, properties: { a: { type: 'string' } } });
  assert.throws(() => compileSchemaCheck(odd(), OPTIONS), /schema is invalid/);
  const check = compileSchemaCheck(odd(), { ...OPTIONS, checkSchema: false });
  assert.deepEqual(check({ a: 'text' }), []);
  assert.deepEqual(check({ a: 1 }).map((p) => p.field), ['a']);
  // The same problems with or without the meta-schema check.
  const checked = compileSchemaCheck(SCHEMA, OPTIONS);
  const trusted = compileSchemaCheck(SCHEMA, { ...OPTIONS, checkSchema: false });
  const bad = { host: '', frame: 'x', pool: { max: 0 }, routes: { A: 1 }, extra: true };
  assert.deepEqual(trusted(structuredClone(bad)), checked(structuredClone(bad)));
});

test('compileSchemaCheck – an integer or a number is finite: Infinity, -Infinity and NaN are refused, with or without limits', () => {
  const check = compileSchemaCheck(
    { type: 'object', properties: { whole: { type: 'integer' }, bounded: { type: 'integer', minimum: 0 }, any: { type: 'number' } } },
    { ...OPTIONS, checkSchema: false },
  );
  for (const bad of [Infinity, -Infinity, NaN]) {
    assert.deepEqual(check({ whole: bad, bounded: bad, any: bad }).map((p) => p.field), ['whole', 'bounded', 'any'], String(bad));
  }
  assert.deepEqual(check({ whole: 2 ** 53, bounded: 0, any: 1.5 }), []);
});
