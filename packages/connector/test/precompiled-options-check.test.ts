/**
 * The connector options' check the build generates (scripts/schema-validators.mjs): there, made from the schema and
 * options checked with now (else a start compiles the schema), and finding what a compile finds on values of every kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchemaCheck } from '@iso8583/codec';
import { precompiledSchemaCheck, schemaFingerprint } from '@iso8583/codec/precompiled-check';
import { assertSameChecks } from '@iso8583/test-support';
import { PRECOMPILED } from '../src/generated/options-check.js';
import { connectorOptionsSchema } from '../src/manifest.js';
import { CONNECTOR_OPTIONS_CHECK } from '../src/validate-options.js';

test("the connector options' check generated at build time is made from today's schema and finds what a compile finds", () => {
  const schema = connectorOptionsSchema();
  assert.equal(PRECOMPILED?.fingerprint, schemaFingerprint(schema, CONNECTOR_OPTIONS_CHECK), 'generated from this schema and these options (npm run build)');
  const generated = precompiledSchemaCheck(schema, PRECOMPILED, CONNECTOR_OPTIONS_CHECK);
  const compiled = compileSchemaCheck(schema, CONNECTOR_OPTIONS_CHECK);
  const problems = assertSameChecks('connector options', generated, compiled, schema.properties as Record<string, unknown>, { host: '127.0.0.1', port: 1 });
  assert.ok(problems > 100, `the values have problems to find (${problems})`);
});
