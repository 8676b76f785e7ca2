/**
 * The toolkit's own JSON Schemas are compiled without the meta-schema check at run time (`checkSchema: false`, so that
 * a start does not compile the meta-schema): this test checks each of them against it instead, with the default
 * `checkSchema` (an invalid schema throws `schema is invalid`).
 */
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchemaCheck } from '@iso8583/codec';
import { connectorOptionsSchema } from '@iso8583/connector';
import { inboundOptionsSchema } from '@iso8583/inbound';
import { GATEWAY_CONFIG_SCHEMA } from '../src/gateway/config-file.js';
import { flowSchema } from '../src/flow/schema.js';

const SCHEMAS: Record<string, Record<string, unknown>> = {
  connector: connectorOptionsSchema(),
  inbound: inboundOptionsSchema(),
  dialect: JSON.parse(readFileSync(new URL(import.meta.resolve('@iso8583/codec/dialect.schema.json')), 'utf8')) as Record<string, unknown>,
  'gateway config': GATEWAY_CONFIG_SCHEMA,
  flow: flowSchema() as Record<string, unknown>,
};

for (const [name, schema] of Object.entries(SCHEMAS)) {
  test(`the ${name} schema is valid against the JSON Schema meta-schema`, () => {
    assert.doesNotThrow(() => compileSchemaCheck(structuredClone(schema), { code: 'X', subject: name }));
  });
}
