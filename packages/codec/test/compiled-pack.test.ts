/**
 * The compiled packer of a plan (`field/compile-pack.ts`): which plans get one, and that what it writes (or hands
 * over to the interpreter) is exactly what the interpreter writes or refuses: characters outside ASCII (Latin-1
 * text that `ans` allows, characters above U+00FF that a Latin-1 write would cut to a digit, surrogates), lengths at
 * and over each bound, and a layout past its compile budget.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '../src/index.js';
import type { Codec, IsoMessage } from '../src/index.js';
import { spawnSync } from 'node:child_process';
import { COMPILE_BUDGET, PLAN_AFTER, REFUSALS_MAX } from '../src/field/pack-shapes.js';
import { Writer } from '../src/field/writer.js';
import { PURCHASE as BASE_PURCHASE, packOutcome, plansOf, warmed, zeroedSlab } from './pack-outcome.js';

/** Every class of iso87ascii in one message: n, LLVAR n, z, an, ans, LLLVAR ans (the purchase, with 37, 42, 43). */
const PURCHASE: IsoMessage = {
  ...BASE_PURCHASE,
  '37': '000000618160',
  '42': '000124642124643',
  '43': 'SHOP 1                   CITY         US',
};

/** The writer a codec packs into (its scratch buffer is shared by every pack). */
function writerOf(codec: Codec): Writer {
  return (codec as unknown as { writer: Writer }).writer;
}

function same(codec: Codec, name: string, message: Record<string, unknown>, what: string): void {
  assert.deepEqual(packOutcome(codec, message), packOutcome(createCodec(name), message), what);
}

test('compiled pack – an ASCII plan gets a compiled packer, a plan of BCD and binary fields does not', () => {
  assert.notEqual(plansOf(warmed('iso87ascii', PURCHASE)).plans[0]!.compiled, undefined);
  assert.notEqual(plansOf(warmed('iso93ascii', PURCHASE)).plans[0]!.compiled, undefined);
  assert.equal(plansOf(warmed('iso87binary', PURCHASE)).plans[0]!.compiled, undefined);
});

test('compiled pack – the compiled packer itself writes the purchase, the bytes the interpreter writes', () => {
  assert.equal((PURCHASE['43'] as string).length, 40, 'field 43 of iso87ascii is fixed at 40');
  for (const name of ['iso87ascii', 'iso93ascii']) {
    const shape = plansOf(warmed(name, PURCHASE)).plans[0]!;
    const w = new Writer(64);
    const end = shape.compiled!(PURCHASE, w, 0, '', Object.values(PURCHASE));
    assert.ok(end >= 0, `${name}: the compiled packer packed it (${end})`);
    // The interpreter's bytes after the MTI (4 ASCII digits, no header).
    const expected = createCodec(name).pack(PURCHASE).subarray(4);
    assert.deepEqual(Buffer.from(w.buf.subarray(0, end)), Buffer.from(expected), name);
  }
  // Latin-1 text of the right length is written natively, then refused by the checks (the interpreter packs it).
  const shape = plansOf(warmed('iso87ascii', PURCHASE)).plans[0]!;
  const latin1 = { ...PURCHASE, '43': 'CAF\xc9 \xdcBER              M\xdcNCHEN        DE' };
  assert.equal(latin1['43'].length, 40);
  assert.equal(shape.compiled!(latin1, new Writer(64), 0, '', Object.values(latin1)), -3);
});

test('compiled pack – a refusal after the write leaves nothing past the bad field in the shared buffer', () => {
  const codec = warmed('iso87ascii', PURCHASE);
  const track = Buffer.from('=28121011234567890');
  // Field 3 of the right length with a letter: written, refused by the check, refused by the interpreter.
  for (const bad of [{ '3': '00000X' }, { '49': '84X' }, { '55': '9F26€' }, { '43': 'SHOP 1                   CITY         Ué' }]) {
    for (const [key, value] of Object.entries(bad)) {
      const message = { ...PURCHASE, [key]: value };
      const w = writerOf(codec);
      zeroedSlab(codec, w, PURCHASE);
      try {
        codec.pack(message);
      } catch {
        // Refused or packed by the interpreter: either way the buffer past what was handed out is checked.
      }
      const rest = w.buf.subarray(w.used);
      if (key === '3' || key === '49') assert.equal(rest.indexOf(track), -1, `${key}: track 2 stays in the buffer`);
      if (key === '3') assert.equal(rest.indexOf(Buffer.from('000124642124643')), -1, `${key}: field 42 stays in the buffer`);
      same(codec, 'iso87ascii', message, key);
    }
  }
});

test('compiled pack – a plan drops its compiled packer after REFUSALS_MAX hand-overs in a row', () => {
  const codec = warmed('iso87ascii', PURCHASE);
  const shape = plansOf(codec).plans[0]!;
  const latin1 = { ...PURCHASE, '43': 'CAF\xc9 \xdcBER              M\xdcNCHEN        DE' };
  const fresh = createCodec('iso87ascii');
  for (let i = 0; i < REFUSALS_MAX - 1; i++) assert.deepEqual(codec.pack(latin1), fresh.pack(latin1));
  assert.notEqual(shape.compiled, undefined);
  // A pack the compiled packer writes starts the count again.
  codec.pack(PURCHASE);
  assert.equal(shape.refusals, 0);
  for (let i = 0; i < REFUSALS_MAX - 1; i++) codec.pack(latin1);
  assert.notEqual(shape.compiled, undefined);
  assert.deepEqual(codec.pack(latin1), fresh.pack(latin1));
  assert.equal(shape.compiled, undefined, 'dropped');
  assert.deepEqual(codec.pack(PURCHASE), fresh.pack(PURCHASE));
});

test('compiled pack – without code generation from strings, plans are packed by the interpreter, the same bytes', () => {
  const index = new URL('../src/index.js', import.meta.url).href;
  const script = `
    import { createCodec } from ${JSON.stringify(index)};
    const m = JSON.parse(process.argv[1]);
    const codec = createCodec('iso87ascii');
    const out = [];
    for (let i = 0; i < ${PLAN_AFTER + 2}; i++) out.push(Buffer.from(codec.pack(m)).toString('hex'));
    const plans = codec.layout.packShapes.plans;
    let refused = false;
    try { new Function('return 1'); } catch { refused = true; }
    console.log(JSON.stringify({ out, plans: plans.length, compiled: plans.some((p) => p.compiled !== undefined), refused }));
  `;
  const child = spawnSync(
    process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script, JSON.stringify(PURCHASE)],
    { encoding: 'utf8' },
  );
  assert.equal(child.status, 0, child.stderr);
  const got = JSON.parse(child.stdout) as { out: string[]; plans: number; compiled: boolean; refused: boolean };
  assert.equal(got.refused, true, 'code generation refused in the child');
  assert.equal(got.plans, 1, 'a plan was made');
  assert.equal(got.compiled, false);
  const expected = Buffer.from(createCodec('iso87ascii').pack(PURCHASE)).toString('hex');
  for (const hex of got.out) assert.equal(hex, expected);
});

test('compiled pack – characters outside ASCII in every field, at its start, middle and end, as the interpreter', () => {
  const codec = warmed('iso87ascii', PURCHASE);
  // Latin-1 text (allowed by ans), C1 controls, characters above U+00FF whose low byte is a digit or a letter,
  // the euro sign, a surrogate pair and a lone surrogate.
  const chars = ['\xa0', '\xe9', '\xff', '\x80', '\x9f', '\u0131', '\u0130', '\u0141', '\u20ac', '\ud83d\ude00', '\ud83d', '\ude00'];
  // The compiled packer itself refuses each (the codec's own drops it after a few refusals in a row, so its outcome
  // alone would soon be the interpreter's).
  const compiled = plansOf(warmed('iso87ascii', PURCHASE)).plans[0]!.compiled!;
  for (const key of Object.keys(PURCHASE).filter((k) => k !== '0')) {
    const v = PURCHASE[key] as string;
    for (const c of chars) {
      for (const at of [0, v.length >> 1, v.length - 1]) {
        const message = { ...PURCHASE, [key]: v.slice(0, at) + c + v.slice(at + c.length) };
        const what = `${key} at ${at}: ${JSON.stringify(c)}`;
        assert.equal(compiled(message, new Writer(64), 0, '', Object.values(message)), -3, `the compiled packer refuses ${what}`);
        same(codec, 'iso87ascii', message, what);
      }
    }
  }
  // Latin-1 text in an ans field is sent as one byte a character.
  const latin1 = codec.pack({ ...PURCHASE, '43': 'CAF\xc9 \xdcBER              M\xdcNCHEN        DE' });
  assert.equal(latin1.length, codec.pack(PURCHASE).length);
  assert.ok(latin1.includes(Buffer.from('CAF\xc9 \xdcBER', 'latin1')));
});

test('compiled pack – variable lengths at 0, at the maximum and over it; fixed ones a character short or long', () => {
  const codec = warmed('iso87ascii', PURCHASE);
  for (const [key, value] of [
    ['2', ''],
    ['2', '1234567890123456789'],
    ['2', '12345678901234567890'],
    ['35', ''],
    ['35', '4'.repeat(37)],
    ['35', '4'.repeat(38)],
    ['55', ''],
    ['55', 'A'.repeat(999)],
    ['55', 'A'.repeat(1000)],
    ['3', '00000'],
    ['3', '0000000'],
    ['43', 'SHORT'],
    ['41', '0099246'],
  ] as [string, string][]) {
    same(codec, 'iso87ascii', { ...PURCHASE, [key]: value }, `${key}: ${value.length} characters`);
  }
  // Every length of the LLLVAR field from 0 to 300, each checked as written (the last word of a run overlaps).
  for (let n = 0; n <= 300; n++) {
    same(codec, 'iso87ascii', { ...PURCHASE, '55': '9'.repeat(n) }, `55: ${n}`);
    if (n > 0) same(codec, 'iso87ascii', { ...PURCHASE, '55': '9'.repeat(n - 1) + '\x7f' }, `55: ${n}, DEL last`);
  }
});

test('compiled pack – a layout compiles at most COMPILE_BUDGET packers, then packs new plans by the interpreter', () => {
  const codec = createCodec('iso87ascii');
  const fresh = createCodec('iso87ascii');
  const shapes = plansOf(codec);
  // Sets of keys: the purchase and two more text or digit fields, each with a value of its fixed length (or one digit).
  const extra: [string, string][] = [];
  for (const [key, spec] of Object.entries(codec.dialect.fields)) {
    if (Number(key) < 50 || (spec.type !== 'n' && spec.type !== 'an' && spec.type !== 'ans') || spec.encoding !== 'ascii') continue;
    extra.push([key, '1'.repeat(spec.prefix === undefined ? spec.length : 1)]);
  }
  let made = 0;
  outer: for (let i = 0; i < extra.length; i++) {
    for (let j = i + 1; j < extra.length; j++) {
      const message = { ...PURCHASE, [extra[i]![0]]: extra[i]![1], [extra[j]![0]]: extra[j]![1] };
      for (let k = 0; k < PLAN_AFTER; k++) codec.pack(message);
      if (shapes.plans[0]!.compiled === undefined) break outer;
      made++;
    }
  }
  assert.equal(made, COMPILE_BUDGET);
  assert.equal(shapes.plans[0]!.compiled, undefined);
  const message = { ...PURCHASE, '60': 'X' };
  for (let i = 0; i < PLAN_AFTER + 1; i++) assert.deepEqual(codec.pack(message), fresh.pack(message));
});
