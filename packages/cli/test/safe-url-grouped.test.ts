/**
 * The request log's URL (`safeUrl`): a PAN put in a path is masked as first 6 + last 4 digits, whether written whole
 * or in groups of digits with spaces (`%20`) or dashes, as people write it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeUrl } from '../src/http/app.js';

test('safeUrl – a PAN in a path, whole or written in groups (%20 or dashes), shows first 6 and last 4 digits only', () => {
  assert.equal(safeUrl('/4761739001010010'), '/476173******0010');
  assert.equal(safeUrl('/4761%207390%200101%200010'), '/4761 73** **** 0010');
  assert.equal(safeUrl('/cards/5413-3300-8901-0434/status'), '/cards/5413-33**-****-0434/status');
  assert.equal(safeUrl('/%33%37%38%32%20822463%2010005?timeout=500'), '/3782 82**** *0005?timeout=500');
  assert.equal(safeUrl('/report/2026-12-02'), '/report/2026-12-02', 'a date is no PAN');
});

test('safeUrl – a PAN in groups joined by plus signs or by mixed separators, in the path or a query key, is masked', () => {
  assert.equal(safeUrl('/cards/4761+7390+0101+0010'), '/cards/4761+73**+****+0010');
  assert.equal(safeUrl('/cards/4761-7390%200101%2D0010'), '/cards/4761-73** ****-0010');
  assert.equal(safeUrl('/x?4761+7390+0101+0010=1'), '/x?4761+73**+****+0010=***');
  assert.equal(safeUrl('/x?4761%2B7390%2B0101%2B0010=1'), '/x?4761+73**+****+0010=***');
});
