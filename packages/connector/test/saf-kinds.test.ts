// SafKinds keeps the reversals among its entries as they change: a kind replaced, an entry deleted (once, and again:
// no double count), the map cleared. Over random changes the kept count equals a walk of the entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { SafKinds } from '../src/saf-kinds.js';
import type { SafEntryKind } from '../src/saf-store.js';

const walked = (m: Map<string, SafEntryKind>): number => [...m.values()].filter((k) => k === 'reversal').length;

test('the kept reversal count follows set, replace, delete and clear', () => {
  const kinds = new SafKinds();
  kinds.set('a', 'reversal').set('b', 'advice').set('c', 'reversal');
  assert.equal(kinds.reversals, 2);
  kinds.set('a', 'advice');
  assert.equal(kinds.reversals, 1);
  kinds.set('b', 'reversal');
  assert.equal(kinds.reversals, 2);
  assert.equal(kinds.delete('c'), true);
  assert.equal(kinds.delete('c'), false);
  assert.equal(kinds.reversals, 1);
  kinds.clear();
  assert.equal(kinds.reversals, 0);
  assert.equal(kinds.size, 0);
});

test('over random changes the kept count equals a walk of the entries', () => {
  const change = fc.oneof(
    fc.record({ op: fc.constant('set' as const), id: fc.integer({ min: 0, max: 6 }), kind: fc.constantFrom<SafEntryKind>('reversal', 'advice') }),
    fc.record({ op: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 6 }) }),
    fc.record({ op: fc.constant('clear' as const) }),
  );
  fc.assert(
    fc.property(fc.array(change, { maxLength: 60 }), (changes) => {
      const kinds = new SafKinds();
      for (const c of changes) {
        if (c.op === 'set') kinds.set(String(c.id), c.kind);
        else if (c.op === 'delete') kinds.delete(String(c.id));
        else kinds.clear();
        assert.equal(kinds.reversals, walked(kinds));
      }
    }),
    propertyRuns(200),
  );
});
