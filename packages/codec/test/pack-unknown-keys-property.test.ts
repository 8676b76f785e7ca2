/**
 * Property: the refusal of keys that are no fields, on every way of pack (the plan of a set of keys with its compiled
 * packer, the plan's interpreter, the interpreter), against an oracle that scans the keys as the slow path always
 * has (`Object.keys`, own enumerable string keys, one by one). The message is the purchase changed at random: keys
 * added ("002" beside "2", "02", "200", "129", "x", "header", "1", "2.5", ...), removed, given `undefined` or `null`,
 * made non-enumerable, inherited from a prototype, or keyed by a symbol. Whatever the way, a pack must name exactly
 * the own enumerable keys with a value that are no field of the dialect, in key order, with the code the oracle
 * gives; a message without one must pack to what a fresh codec packs from a plain copy of its own enumerable keys.
 * Kept as the oracle of any cheaper check of the keys (issue 10: pack's cost): `ISO8583_FUZZ_RUNS` sets the runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { createCodec } from '../src/index.js';
import type { Codec, IsoMessage } from '../src/index.js';
import { PURCHASE, packOutcome, plansOf, warmed } from './pack-outcome.js';

const FIELD_ID = 'ISO8583_ERR_FIELD_ID';
const FIELD_UNKNOWN = 'ISO8583_ERR_FIELD_UNKNOWN';

/** Keys tried: fields of the purchase, other fields, and keys that are no field (written otherwise, out of range). */
const KEYS = ['0', '1', '2', '002', '02', '2 ', '+2', '4', '5', '49', '049', '55', '65', '128', '129', '200', '999', '-1', '2.5', 'x', 'header', '1e1'];

/**
 * What a key is to the oracle: the old scan (a number of 1-3 digits without a leading zero, in 2-128 and defined by
 * iso87ascii, or `"0"` / `"1"`, which pack reads apart); `undefined` when it is a field, else the code naming it.
 */
function oracleCode(key: string, fields: Record<string, unknown>): string | undefined {
  if (!/^(0|[1-9][0-9]{0,2})$/.test(key)) return FIELD_ID;
  const num = Number(key);
  if (num === 0 || num === 1) return undefined;
  if (num > 128) return FIELD_ID;
  return fields[key] === undefined ? FIELD_UNKNOWN : undefined;
}

/** Values tried: one valid for most text fields of the purchase, `undefined`, `null`, and one no field takes. */
const value = fc.constantFrom<unknown>('1', undefined, null, '\u0100');

const change = fc.record({
  kind: fc.constantFrom('own', 'own', 'own', 'delete', 'hidden', 'inherited', 'symbol'),
  key: fc.constantFrom(...KEYS),
  value,
});

type Change = { kind: string; key: string; value: unknown };

/**
 * The purchase with `changes`: an own enumerable key set or removed, a non-enumerable own key, an inherited one (on
 * the message's prototype), or a symbol key. Hidden and inherited values are marked (`h` + key) so that none equals
 * an own value (pack compares values, not keys: `own-fields.ts`).
 */
function changed(changes: Change[]): IsoMessage {
  const proto: Record<string, unknown> = {};
  const own: Record<string, unknown> = { ...PURCHASE };
  const hidden: string[] = [];
  for (const c of changes) {
    if (c.kind === 'own') own[c.key] = c.value;
    else if (c.kind === 'delete') delete own[c.key];
    else if (c.kind === 'inherited' && !(c.key in own)) proto[c.key] = `h${c.key}`;
    else if (c.kind === 'hidden' && !(c.key in own)) hidden.push(c.key);
  }
  const message = Object.assign(Object.keys(proto).length > 0 ? (Object.create(proto) as IsoMessage) : {}, own) as IsoMessage;
  for (const key of hidden) Object.defineProperty(message, key, { value: `h${key}`, enumerable: false });
  if (changes.some((c) => c.kind === 'symbol')) (message as Record<symbol, unknown>)[Symbol('note')] = '1';
  return message;
}

/** The fields a pack's refusal names as no field of the dialect, as `key:code`, in the order it gives them. */
function namedUnknown(outcome: unknown): string[] | undefined {
  const out = outcome as { code?: string; problems?: { field: string; code: string }[] };
  if (out.code === undefined) return undefined;
  return (out.problems ?? []).filter((p) => p.code === FIELD_ID || p.code === FIELD_UNKNOWN).map((p) => `${p.field}:${p.code}`);
}

test('property – pack names exactly the own enumerable keys that are no fields, on every way of pack (oracle: the key scan)', () => {
  const fields = createCodec('iso87ascii').dialect.fields as Record<string, unknown>;
  // Warmed on the purchase: its set of keys has a plan with a compiled packer; another warmed on the purchase
  // without field 55, whose plan is one key short (a key added in its place has as many keys as the plan).
  const planned = warmed('iso87ascii', PURCHASE);
  assert.ok(plansOf(planned).plans[0]?.compiled !== undefined, 'the purchase has a compiled plan');
  const short: IsoMessage = { ...PURCHASE };
  delete short['55'];
  const plannedShort = warmed('iso87ascii', short);
  fc.assert(
    fc.property(fc.array(change, { minLength: 1, maxLength: 4 }), (changes) => {
      const message = changed(changes);
      const expected: string[] = [];
      for (const key of Object.keys(message)) {
        const v = message[key];
        if (v === undefined || v === null) continue;
        const code = oracleCode(key, fields);
        if (code !== undefined) expected.push(`${key}:${code}`);
      }
      const plain = Object.fromEntries(Object.entries(message)) as IsoMessage;
      const reference = packOutcome(createCodec('iso87ascii'), plain);
      const codecs: [string, Codec][] = [['planned', planned], ['planned without 55', plannedShort], ['fresh', createCodec('iso87ascii')]];
      for (const [who, codec] of codecs) {
        const got = packOutcome(codec, message);
        if (expected.length > 0) assert.deepEqual(namedUnknown(got), expected, `${who}: ${JSON.stringify(got)}`);
        else assert.deepEqual(namedUnknown(got) ?? [], [], `${who}: ${JSON.stringify(got)}`);
        // Whatever the way, the same outcome as a fresh codec given a plain copy of the own enumerable keys.
        assert.deepEqual(got, reference, who);
      }
      // The planned codecs still pack their own set of keys by their plan.
      assert.deepEqual(packOutcome(planned, PURCHASE), packOutcome(createCodec('iso87ascii'), PURCHASE));
    }),
    propertyRuns(400),
  );
});
