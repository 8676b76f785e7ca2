// The answers ring (late-keys.ts, answered-ring.ts) keeps each answer in time for its 4096 answers (two seconds at
// 2,000 a second), so everything it keeps of an answer is promoted to old space: the gateway cost guard
// (bench/gateway-cost.bench.ts) counts those bytes per transaction. Its key and mark were chains of `+=`
// concatenations (a few objects each), and with a match key naming fields 11 and 41 it also kept a transaction text no
// check ever reads (every request under such a key is of one transaction). Measured on the heap: a full ring's worth
// of answers, each with its own STAN, terminal, retrieval reference and approval code, as the channel keeps them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { ANSWERED_KEYS } from '../src/answered-ring.js';
import { LateKeys } from '../src/late-keys.js';
import { MatchKey } from '../src/match-key.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const DIALECT = getDialect('iso87ascii');
const ECHO = '1207080000';

/** The `i`-th answer in time: its own STAN, terminal, field 37 and field 38, as a bank's answers differ. */
function answerOf(i: number): IsoMessage {
  const stan = String(i % 1_000_000).padStart(6, '0');
  return {
    '0': '0210', '4': '000000001000', '7': ECHO, '11': stan, '37': `R${String(i).padStart(11, '0')}`, '38': String(i % 1_000_000).padStart(6, '0'),
    '39': '00', '41': `TERM${String(i % 100).padStart(4, '0')}`, '49': '978',
  };
}

/** Bytes the heap holds per answer for a ring of {@link ANSWERED_KEYS} answers (keys as channel.ts makes them). */
function heldPerAnswer(from: number): { bytes: number; late: LateKeys } {
  const keys = new MatchKey(['0', '11', '41'], DIALECT);
  gc();
  const before = process.memoryUsage().heapUsed;
  const late = new LateKeys(DIALECT, keys.fields);
  for (let i = from; i < from + ANSWERED_KEYS; i++) {
    const answer = answerOf(i);
    late.answered(keys.ofResponse(answer), ECHO, answer, { stan: answer['11'] as string, terminal: answer['41'] as string });
  }
  gc();
  return { bytes: (process.memoryUsage().heapUsed - before) / ANSWERED_KEYS, late };
}

test('late keys ring (match key 0, 11, 41): an answer in time holds its key and mark flat, no transaction text', () => {
  heldPerAnswer(0); // warm: compiled code, the dialect's tables
  const runs = [heldPerAnswer(10_000), heldPerAnswer(20_000), heldPerAnswer(30_000)];
  const least = Math.min(...runs.map((r) => r.bytes));
  // Before: 490-580 bytes an answer (key and mark chains of concatenations, a transaction text); now 160-190.
  assert.ok(least < 340, `an answer in time holds ${Math.round(least)} bytes in the ring`);
  // The ring still tells the host's copy of an answer it keeps.
  const last = runs[2]!;
  const answer = answerOf(30_000 + ANSWERED_KEYS - 1);
  const key = new MatchKey(['0', '11', '41'], DIALECT).ofResponse(answer);
  assert.equal(last.late.copyOfAnswer(key, answer), 'copy');
  assert.equal(last.late.copyOfAnswer(key, { ...answer, '38': '999999' }), undefined, 'another approval code is no copy');
});
