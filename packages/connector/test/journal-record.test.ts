// The journal's lines are built by hand: byte for byte what JSON.stringify gives for the same record, over generated
// messages (any text, including quotes, backslashes, control characters, non-ASCII and lone surrogates, and nested
// composite fields), so that the reader (JSON.parse) and older files see no difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { IsoMessage } from '@iso8583/codec';
import { addLine, attemptLine, doneLine, jsonString } from '../src/journal-record.js';

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('4111111111111111', '"', '\\', '\u0000', '\u007f', '\ud800', 'é'));
const fieldNumber = fc.oneof(fc.integer({ min: 0, max: 192 }).map(String), text);
const message: fc.Arbitrary<IsoMessage> = fc.dictionary(fieldNumber, fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: fc.dictionary(fieldNumber, text) }));

test('journal records – addLine is JSON.stringify of the add record, for any message', () => {
  fc.assert(
    fc.property(text, message, fc.integer(), fc.option(fc.integer({ min: 0, max: 1000 })), fc.constantFrom(undefined, 'advice', 'reversal'), (id, reversal, at, attempts, kind) => {
      const e = { id, reversal, at, ...(attempts === null ? {} : { attempts }), ...(kind === undefined ? {} : { kind: kind as 'advice' | 'reversal' }) };
      const expected = JSON.stringify({ op: 'add', id, reversal, at, ...(e.attempts ? { attempts: e.attempts } : {}), ...(e.kind === 'advice' ? { kind: e.kind } : {}) });
      assert.equal(addLine(e), expected);
    }),
    { numRuns: 2000 },
  );
});

test('journal records – attempt and done lines are JSON.stringify of their records', () => {
  fc.assert(
    fc.property(text, fc.integer({ min: 1 }), fc.constantFrom('not-needed', 'reversed', 'delivered', 'abandoned', 'expired' as const), fc.integer(), (id, attempt, outcome, at) => {
      assert.equal(attemptLine(id, attempt), JSON.stringify({ op: 'attempt', id, attempt }));
      assert.equal(doneLine(id, outcome, at), JSON.stringify({ op: 'done', id, outcome, at }));
      assert.equal(jsonString(id), JSON.stringify(id));
    }),
    { numRuns: 2000 },
  );
});
