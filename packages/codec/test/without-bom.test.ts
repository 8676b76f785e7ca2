// The one removal of a leading byte order mark (without-bom.ts), which dialect files, flow and config files, HTTP
// bodies and logged JSON all go through: only a leading U+FEFF goes, once; anything else is left as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialectFromJson, withoutBom } from '../src/index.js';

test('withoutBom removes one leading byte order mark and nothing else', () => {
  assert.equal(withoutBom('\uFEFF{"a":1}'), '{"a":1}');
  assert.equal(withoutBom('\uFEFF\uFEFFx'), '\uFEFFx', 'once');
  assert.equal(withoutBom('x\uFEFF'), 'x\uFEFF', 'only at the start');
  assert.equal(withoutBom(''), '');
  assert.equal(withoutBom('{}'), '{}');
});

test('a dialect JSON text with a byte order mark loads', () => {
  assert.equal(dialectFromJson('\uFEFF{"name":"bom","extends":"iso87ascii","fields":{}}').name, 'bom');
});
