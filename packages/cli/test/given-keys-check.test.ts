// The gateway config's checks compile only the keys a command line or a file gives (given-keys-check.ts): what they
// find must be what the whole schema finds. Every key of the schema, alone and all together, with values of every
// kind (good ones, wrong types, numbers out of range, strings that coerce), unknown keys beside them, and values that
// are not objects: the same problems, in the same order, and the same value after coercion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchemaCheck } from '@iso8583/codec';
import type { SchemaCheckOptions } from '@iso8583/codec';
import { GATEWAY_CONFIG_SCHEMA } from '../src/gateway/config.js';
import { givenKeysCheck } from '../src/gateway/given-keys-check.js';

/** The gateway's two ways of checking the schema: its flags (strings coerced) and its config file. */
const OPTIONS: SchemaCheckOptions[] = [
  { code: 'ISO8583_ERR_CLI_OPTION', subject: 'gateway flags', paths: 'pointer', coerceTypes: true, checkSchema: false },
  { code: 'ISO8583_ERR_GATEWAY_CONFIG', subject: 'gateway config file', paths: 'pointer', checkSchema: false },
];

/** Values of every kind a key may be given. */
const VALUES: unknown[] = ['x', '1', '0', '-1', '8583', '127.0.0.1:9', 'true', 0, -1, 1.5, 8583, 2 ** 40, true, false, null, [], ['a'], {}, { a: 1 }];

const KEYS = Object.keys(GATEWAY_CONFIG_SCHEMA.properties);

/** The values checked: each key with each value, everything at once, unknown keys beside known ones, no keys. */
function values(): unknown[] {
  const out: unknown[] = [{}, [], 'gateway', 7, null, { nope: 1 }, { nope: 1, also: 'x', upstream: 5 }];
  for (const key of KEYS) for (const value of VALUES) out.push({ [key]: value });
  for (const value of VALUES) out.push(Object.fromEntries(KEYS.map((key) => [key, value])));
  for (let i = 0; i < VALUES.length; i++) {
    out.push(Object.fromEntries(KEYS.map((key, k) => [key, VALUES[(i + k) % VALUES.length]])));
    out.push({ ...Object.fromEntries(KEYS.filter((_, k) => k % 3 === i % 3).map((key) => [key, VALUES[i]])), unknownKey: VALUES[i] });
  }
  return out;
}

test('the gateway config checks, compiled for the keys given, find what the whole schema finds', () => {
  for (const options of OPTIONS) {
    const whole = compileSchemaCheck(GATEWAY_CONFIG_SCHEMA, options);
    const given = givenKeysCheck(GATEWAY_CONFIG_SCHEMA, options);
    for (const value of values()) {
      const a = structuredClone(value);
      const b = structuredClone(value);
      assert.deepEqual(given(b), whole(a), `${options.subject}: ${JSON.stringify(value)}`);
      assert.deepEqual(b, a, `${options.subject}: ${JSON.stringify(value)} coerced alike`);
    }
  }
});
