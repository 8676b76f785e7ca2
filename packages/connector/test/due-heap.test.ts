// DueHeap (due-heap.ts): over random sequences of items set (added or moved) and deleted, its earliest is the smallest
// due of the items it holds, as a walk of a plain map finds it, and its size theirs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { DueHeap } from '../src/due-heap.js';

test('DueHeap – earliest and size equal a walk of the items held, over random sets and deletes', () => {
  const op = fc.record({ item: fc.nat(30), due: fc.option(fc.integer({ min: -50, max: 50 }), { nil: undefined }) });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const heap = new DueHeap<number>();
      const held = new Map<number, number>();
      for (const { item, due } of ops) {
        if (due === undefined) assert.equal(heap.delete(item), held.delete(item));
        else {
          heap.set(item, due);
          held.set(item, due);
        }
        assert.equal(heap.size, held.size);
        assert.equal(heap.earliest, Math.min(Infinity, ...held.values()));
      }
    }),
    propertyRuns(200),
  );
});
