/**
 * The cli's schema checks the build generates (scripts/schema-validators.mjs): a flow file, the gateway's flags and
 * config file. Each is there, made from the schema and options checked with now (else a start compiles the schema:
 * startup-modules sees ajv loaded), and finds what a compile of the schema finds on values of every kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchemaCheck } from '@iso8583/codec';
import { precompiledSchemaCheck, schemaFingerprint } from '@iso8583/codec/precompiled-check';
import { assertSameChecks } from '@iso8583/test-support';
import { PRECOMPILED as FLOW } from '../src/generated/flow-check.js';
import { PRECOMPILED as FLAGS } from '../src/generated/gateway-flags-check.js';
import { PRECOMPILED as FILE } from '../src/generated/gateway-file-check.js';
import { FLOW_CHECK, flowSchema } from '../src/flow/schema.js';
import { GATEWAY_CONFIG_SCHEMA, GATEWAY_FLAGS_CHECK } from '../src/gateway/config.js';
import { GATEWAY_FILE_CHECK } from '../src/gateway/config-file.js';

const CHECKS = [
  { name: 'flow file', precompiled: FLOW, schema: flowSchema(), options: FLOW_CHECK, base: { name: 'f' } },
  { name: 'gateway flags', precompiled: FLAGS, schema: GATEWAY_CONFIG_SCHEMA, options: GATEWAY_FLAGS_CHECK, base: {} },
  { name: 'gateway config file', precompiled: FILE, schema: GATEWAY_CONFIG_SCHEMA, options: GATEWAY_FILE_CHECK, base: {} },
];

for (const { name, precompiled, schema, options, base } of CHECKS) {
  test(`the ${name} check generated at build time is made from today's schema and finds what a compile finds`, () => {
    assert.equal(precompiled?.fingerprint, schemaFingerprint(schema, options), 'generated from this schema and these options (npm run build)');
    const generated = precompiledSchemaCheck(schema, precompiled, options);
    const problems = assertSameChecks(name, generated, compileSchemaCheck(schema, options), schema.properties as Record<string, unknown>, base);
    assert.ok(problems > 100, `the values have problems to find (${problems})`);
  });
}
