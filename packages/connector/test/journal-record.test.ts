// The journal's lines are built by hand: byte for byte what JSON.stringify gives for the same record, then its checksum
// as the last member, over generated messages (any text, including quotes, backslashes, control characters, non-ASCII
// and lone surrogates, and nested composite fields), so that the reader (JSON.parse) sees no difference and the
// checksum of every line written checks out as the reader reads it (the UTF-8 bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { addLine, attemptLine, doneLine, jsonString } from '../src/journal-record.js';
import { checkSeal } from '../src/journal-checksum.js';

/** `line` is `json` with a checksum that checks out: returns nothing, asserts. */
function sealedOf(line: string, json: string): void {
  assert.equal(line.replace(/,"crc":"[0-9a-f]{8}"\}$/, '}'), json);
  assert.equal(checkSeal(Buffer.from(line)), 'good');
}

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('4111111111111111', '"', '\\', '\u0000', '\u007f', '\ud800', 'é'));
const fieldNumber = fc.oneof(fc.integer({ min: 0, max: 192 }).map(String), text);
const message: fc.Arbitrary<IsoMessage> = fc.dictionary(fieldNumber, fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: fc.dictionary(fieldNumber, text) }));

test('journal records – addLine is JSON.stringify of the add record, for any message', () => {
  fc.assert(
    fc.property(text, message, fc.integer(), fc.option(fc.integer({ min: 0, max: 1000 })), fc.constantFrom(undefined, 'advice', 'reversal'), (id, reversal, at, attempts, kind) => {
      const e = { id, reversal, at, ...(attempts === null ? {} : { attempts }), ...(kind === undefined ? {} : { kind: kind as 'advice' | 'reversal' }) };
      const expected = JSON.stringify({ op: 'add', id, reversal, at, ...(e.attempts ? { attempts: e.attempts } : {}), ...(e.kind === 'advice' ? { kind: e.kind } : {}) });
      sealedOf(addLine(e), expected);
    }),
    propertyRuns(2000),
  );
});

test('journal records – attempt and done lines are JSON.stringify of their records', () => {
  fc.assert(
    fc.property(text, fc.integer({ min: 1 }), fc.constantFrom('not-needed', 'reversed', 'delivered', 'abandoned', 'expired' as const), fc.integer(), (id, attempt, outcome, at) => {
      sealedOf(attemptLine(id, attempt), JSON.stringify({ op: 'attempt', id, attempt }));
      sealedOf(doneLine(id, outcome, at), JSON.stringify({ op: 'done', id, outcome, at }));
      assert.equal(jsonString(id), JSON.stringify(id));
    }),
    propertyRuns(2000),
  );
});
