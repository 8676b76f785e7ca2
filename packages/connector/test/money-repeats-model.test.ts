// MoneyRepeats' memory (money-repeats.ts), made cheaper for issue 10 (a list linked through its records in count order
// instead of a Set walked from its start, a DictionaryMap by key, what is past its age forgotten once per call), against
// the implementation it replaced (money-repeats-model.ts): over random sequences of originals written, answers in time
// and late (with and without fields 37 and 38), unsolicited answers, reversals and the clock moving past the memory's
// age, with a count cap of a few records and keys sharing STANs and terminals, and steps landing on the memory's age, each call answers
// as the old one did (with the rules added since, fix66b F2's reversed record forgotten among them), and the records remembered (which, with what counted, in which order) are the old ones'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { getDialect } from '@iso8583/codec';
import type { MessageInput } from '@iso8583/codec';
import { propertyRuns } from '@iso8583/test-support';
import { MoneyRepeats } from '../src/money-repeats.js';
import { MoneyRepeatsModel } from './money-repeats-model.js';

const dialect = getDialect('iso87ascii');
const TIMEOUT = 100;
const CAP = 6;

interface Remembered {
  id: { key: string; acquirer?: string; card?: string };
  flags: number;
  sent?: string;
  local?: string;
  mark?: string;
}

/** The records remembered, least recently counted first, as the model's Set holds them. */
function modelRecords(model: MoneyRepeatsModel): unknown[] {
  return [...(model as unknown as { order: Set<Remembered> }).order].map(shown);
}

/** The records remembered, least recently counted first, as the list linked through them holds them. */
function records(repeats: MoneyRepeats): unknown[] {
  const all: unknown[] = [];
  for (let c = (repeats as unknown as { oldest?: Remembered & { newer?: Remembered } }).oldest; c !== undefined; c = (c as { newer?: Remembered }).newer) all.push(shown(c));
  return all;
}

function shown(c: Remembered): unknown {
  return { id: { ...c.id }, flags: c.flags, sent: c.sent, local: c.local, mark: c.mark };
}

const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
/** A request's fields of a few values each (STANs and terminals shared, so keys hold more than the per-key bound). */
interface Fields {
  stan: number;
  terminal: string;
  acquirer: string | undefined;
  card: string | undefined;
  sent: string | undefined;
  local: string | undefined;
}
const message: fc.Arbitrary<Fields> = fc.record({
  stan: fc.integer({ min: 1, max: 3 }),
  terminal: fc.constantFrom('TERM0001', 'TERM0002'),
  acquirer: opt(fc.constantFrom('111111', '222222')),
  card: opt(fc.constantFrom('1234567890', '9876543210')),
  sent: opt(fc.constantFrom('1207004200', '1207004300', '1207004400')),
  local: opt(fc.constantFrom('004200', '004300')),
});

function build(mti: string, m: Fields): MessageInput {
  const stan = String(m.stan).padStart(6, '0');
  return {
    '0': mti,
    '11': stan,
    '41': m.terminal,
    ...(m.acquirer === undefined ? {} : { '32': m.acquirer }),
    ...(m.card === undefined ? {} : { '2': m.card }),
    ...(m.sent === undefined ? {} : { '7': m.sent }),
    ...(m.local === undefined ? {} : { '12': m.local }),
    '3': '000000',
    '4': '000000001000',
    '49': '840',
  };
}

/** One STAN at one terminal, its originals told apart by field 7 (ten of them). */
const oneKey: fc.Arbitrary<Fields> = fc.record({
  stan: fc.constant(1),
  terminal: fc.constant('TERM0001'),
  acquirer: opt(fc.constantFrom('111111', '222222')),
  card: opt(fc.constantFrom('1234567890')),
  // Ten transmission times: ten originals of one transaction.
  sent: opt(fc.integer({ min: 0, max: 9 }).map((i) => `12070042${i}0`)),
  local: opt(fc.constantFrom('004200', '004300')),
});

/**
 * One STAN at one terminal, three transmissions, each original with its field 7 (none that names every one): a
 * reversal's field 90 names one of them only, so one forgotten reversed past the per-key bound is reached (fix66b F2).
 */
const oneKeySent: fc.Arbitrary<Fields> = fc.record({
  stan: fc.constant(1),
  terminal: fc.constant('TERM0001'),
  acquirer: fc.constant(undefined),
  card: fc.constant(undefined),
  sent: fc.integer({ min: 0, max: 2 }).map((i) => `12070042${i}0`),
  local: fc.constant(undefined),
});

/** The calls of a run, on requests drawn from `m`; `ms`: the clock's steps. */
const operations = (m: fc.Arbitrary<Fields>, ms: fc.Arbitrary<number>) => fc.oneof(
  fc.record({ kind: fc.constant('written' as const), mti: fc.constantFrom('0200', '0201', '0100'), m }),
  fc.record({
    kind: fc.constant('financial' as const),
    mti: fc.constantFrom('0200', '0201', '0100'),
    m,
    approved: fc.boolean(),
    late: fc.boolean(),
    mark: opt(fc.constantFrom(['123456789012', 'ABC123'], ['123456789012', 'XYZ789'], ['', ''])),
  }),
  fc.record({ kind: fc.constant('uncounted' as const), m }),
  fc.record({ kind: fc.constant('reversal' as const), mti: fc.constantFrom('0400', '0420', '0421'), m, named: fc.boolean(), accepted: fc.boolean() }),
  fc.record({ kind: fc.constant('tick' as const), ms }),
);
/** Steps landing a record's age on the memory's bound (4 x TIMEOUT) and either side of it, besides random ones. */
const steps = fc.oneof(fc.integer({ min: 0, max: 250 }), fc.constantFrom(1, 4 * TIMEOUT - 1, 4 * TIMEOUT, 4 * TIMEOUT + 1));

for (const [what, m, cap, ms, perKey, unanswered] of [
  ['keys sharing STANs and terminals, a count cap of a few records', message, CAP, steps, undefined, undefined],
  // Short steps: many records of one STAN and terminal live at once.
  ['one STAN at one terminal, ten originals, under a cap above the first run\'s', oneKey, 20, fc.integer({ min: 0, max: 5 }), undefined, undefined],
  // Per-key bounds of a few records: both the settled one and the unanswered one are reached.
  ['one STAN at one terminal, at most 1 settled and 2 in all under it', oneKey, 20, fc.integer({ min: 0, max: 5 }), 1, 2],
  // Every original with field 7, the per-key bounds of a few records: reversed records dropped, their repeats named.
  ['one STAN at one terminal, three transmissions each with field 7, at most 1 settled and 2 in all under it', oneKeySent, 20, fc.integer({ min: 0, max: 5 }), 1, 2],
] as const) test(`MoneyRepeats answers and remembers as the implementation it replaced, over random sequences of calls: ${what}`, () => {
  fc.assert(
    fc.property(fc.array(operations(m, ms), { maxLength: 120 }), (ops) => {
      let now = 0;
      const repeats = new MoneyRepeats(dialect, TIMEOUT, () => now, cap, perKey, unanswered);
      const model = new MoneyRepeatsModel(dialect, TIMEOUT, () => now, cap, perKey, unanswered);
      ops.forEach((op, i) => {
        let got: unknown;
        let want: unknown;
        if (op.kind === 'tick') {
          now += op.ms;
          return;
        }
        if (op.kind === 'written') {
          const m = build(op.mti, op.m);
          got = repeats.written(op.mti, m);
          want = model.written(op.mti, m);
        } else if (op.kind === 'financial') {
          const m = build(op.mti, op.m);
          const answer = op.mark === undefined ? undefined : { ...m, '0': '0210', '39': '00', '37': op.mark[0], '38': op.mark[1] };
          got = repeats.financial(op.mti, answer ?? m, op.approved, op.late, answer);
          want = model.financial(op.mti, answer ?? m, op.approved, op.late, answer);
        } else if (op.kind === 'uncounted') {
          const m = { ...build('0210', op.m), '39': '00' };
          got = repeats.uncounted(m);
          want = model.uncounted(m);
        } else {
          const m = build(op.mti, { ...op.m, stan: 7 });
          const original = `0200${String(op.m.stan).padStart(6, '0')}${op.named && op.m.sent !== undefined ? op.m.sent : '0000000000'}${'0'.repeat(22)}`;
          const reversal = { ...m, '90': original };
          got = repeats.reversal(reversal, op.accepted);
          want = model.reversal(reversal, op.accepted);
        }
        assert.deepEqual(got, want, `call ${i} (${op.kind})`);
        assert.deepEqual(records(repeats), modelRecords(model), `records after call ${i} (${op.kind})`);
      });
    }),
    propertyRuns(300),
  );
});

test('MoneyRepeats reads the clock once per call (what is past its age is forgotten once, not by each step)', () => {
  let reads = 0;
  const repeats = new MoneyRepeats(dialect, 30_000, () => ++reads);
  const m = build('0200', { stan: 1, terminal: 'TERM0001', acquirer: '111111', card: undefined, sent: '1207004200', local: '004200' });
  const answer = { ...m, '0': '0210', '39': '00', '37': '123456789012', '38': 'ABC123' };
  const calls: [string, () => unknown][] = [
    ['written', () => repeats.written('0200', m)],
    ['financial in time with 37 and 38', () => repeats.financial('0200', answer, true, false, answer)],
    ['financial late with 37 and 38', () => repeats.financial('0200', answer, true, true, answer)],
    ['financial late of another approval', () => repeats.financial('0200', { ...answer, '38': 'XYZ789' }, true, true, { ...answer, '38': 'XYZ789' })],
    ['uncounted', () => repeats.uncounted(answer)],
    ['reversal', () => repeats.reversal({ ...m, '0': '0400', '90': `0200000001${'1207004200'}${'0'.repeat(22)}` }, true)],
  ];
  for (const [name, call] of calls) {
    const before = reads;
    call();
    assert.equal(reads - before, 1, `${name}: clock reads`);
  }
});
