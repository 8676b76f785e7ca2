// reversalMessageProblems: whether the reversal a connector makes in a dialect's edition packs there (1987 field 90,
// 1993 fields 24, 25 and 56), naming the field that cannot carry it; the built-in dialects carry theirs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector } from '@iso8583/test-support';
import { BUILTIN_DIALECTS, dialectFromJson, dialectFromPackagerXml, getDialect, reversalMessageProblems } from '../src/index.js';

test('reversalMessageProblems – none for the built-in dialects and the imported 1993 packager', () => {
  for (const name of BUILTIN_DIALECTS) assert.deepEqual(reversalMessageProblems(getDialect(name)), [], name);
  const xml93 = dialectFromPackagerXml(readVector('jpos/packagers/iso93ebcdic-custom.xml').toString('utf8'), 'xml93');
  assert.deepEqual(reversalMessageProblems(xml93), []);
});

test('reversalMessageProblems – names field 90 (1987) or 56, 24, 25 (1993) that cannot carry the reversal', () => {
  const xml93 = dialectFromPackagerXml(readVector('jpos/packagers/iso93ebcdic-custom.xml').toString('utf8'), 'xml93');
  const as1987 = reversalMessageProblems({ ...xml93, version: '1987' });
  assert.deepEqual(as1987.map((p) => p.field), ['fields.90']);
  assert.match(as1987[0]!.reason, /42 digits.*field 90/);
  const no56 = dialectFromJson({ name: 'no56', extends: 'iso93ascii', fields: { '56': null, '25': { length: 2 } } });
  assert.deepEqual(reversalMessageProblems(no56).map((p) => p.field), ['fields.25', 'fields.56']);
  // Without the original data elements, field 90 is not made: nothing to carry.
  const without = dialectFromJson({ name: 'no90', extends: 'iso87ascii', reversal: { originalData: false }, fields: { '90': null } });
  assert.deepEqual(reversalMessageProblems(without), []);
});
