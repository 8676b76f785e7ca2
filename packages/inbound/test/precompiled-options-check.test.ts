/**
 * The inbound endpoint options' check the build generates (scripts/schema-validators.mjs): there, made from the schema
 * and options checked with now (else a start compiles the schema), and finding what a compile finds on values of every
 * kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchemaCheck } from '@iso8583/codec';
import { precompiledSchemaCheck, schemaFingerprint } from '@iso8583/codec/precompiled-check';
import { assertSameChecks } from '@iso8583/test-support';
import { PRECOMPILED } from '../src/generated/options-check.js';
import { INBOUND_OPTIONS_CHECK, inboundOptionsSchema } from '../src/options.js';

test("the inbound options' check generated at build time is made from today's schema and finds what a compile finds", () => {
  const schema = inboundOptionsSchema();
  assert.equal(PRECOMPILED?.fingerprint, schemaFingerprint(schema, INBOUND_OPTIONS_CHECK), 'generated from this schema and these options (npm run build)');
  const generated = precompiledSchemaCheck(schema, PRECOMPILED, INBOUND_OPTIONS_CHECK);
  const compiled = compileSchemaCheck(schema, INBOUND_OPTIONS_CHECK);
  const problems = assertSameChecks('inbound options', generated, compiled, schema.properties as Record<string, unknown>, { port: 0 });
  assert.ok(problems > 100, `the values have problems to find (${problems})`);
});
