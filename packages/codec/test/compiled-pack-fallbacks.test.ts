/**
 * The two ways a compiled packer (`field/compile-pack.ts`) leaves its WebAssembly check: a message past what the
 * module's memory takes (`MAX_CHECKED`, 64 KiB: the packer refuses and the interpreter packs it), and a runtime
 * without WebAssembly (`node --jitless`: the packer checks in JavaScript). Both give the bytes and the errors the
 * interpreter gives. Test data only, no real card.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createCodec } from '../src/index.js';
import type { Dialect, FieldSpec, IsoMessage } from '../src/index.js';
import { MAX_CHECKED, packClassCheck } from '../src/field/class-check.js';
import { Writer } from '../src/field/writer.js';
import { PURCHASE as BASE_PURCHASE, packOutcome, plansOf } from './pack-outcome.js';
import { PLAN_AFTER } from '../src/field/pack-shapes.js';

/** iso87ascii with fields 60-128 as LLLVAR `ans` of up to 999 characters: a message of them can pass 64 KiB. */
function wideDialect(): Dialect {
  const base = createCodec('iso87ascii').dialect;
  const fields: Record<string, FieldSpec> = { ...base.fields };
  for (let n = 60; n <= 128; n++) {
    fields[String(n)] = { name: `WIDE ${n}`, type: 'ans', length: 999, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 3 } };
  }
  return { ...base, name: 'wide', fields };
}

/** The purchase with fields 60-128 of `size` characters each (`fill` repeated), `bad` at the end of field 128. */
function wide(size: number, fill: string, bad = ''): IsoMessage {
  const message: IsoMessage = { ...BASE_PURCHASE };
  for (let n = 60; n <= 128; n++) message[String(n)] = fill.repeat(size).slice(0, size - bad.length) + (n === 128 ? bad : '');
  return message;
}

test('compiled pack fallbacks – past 64 KiB the packer refuses and zeroes what it wrote, the interpreter packs it', () => {
  const dialect = wideDialect();
  const codec = createCodec(dialect);
  const small = wide(400, 'SHOP 1 ');
  for (let i = 0; i < PLAN_AFTER; i++) codec.pack(small);
  const shape = plansOf(codec).plans[0]!;
  assert.ok(shape.compiled !== undefined, 'the plan of fields 60-128 has a compiled packer');
  assert.ok(packClassCheck() !== null, 'Node 20 has WebAssembly SIMD: the module checks this plan');
  // 69 fields of 1,002 bytes (3 length digits and 999 characters): past the module's 64 KiB.
  const big = wide(999, 'SHOP 1 ');
  const size = Buffer.from(createCodec(dialect).pack(big)).length;
  assert.ok(size > MAX_CHECKED && size < 2 * MAX_CHECKED, `${size} bytes`);
  const w = new Writer(64);
  assert.ok(shape.compiled(small, w, 0, '', Object.values(small)) > 0, 'under 64 KiB: the compiled packer packs it');
  const at = 16;
  // A writer of zeros with room for it all (a writer that grows takes `Buffer.allocUnsafe` memory: old bytes).
  const refused = new Writer(64);
  refused.ensure(2 * MAX_CHECKED);
  refused.buf.fill(0);
  assert.equal(shape.compiled(big, refused, at, '', Object.values(big)), -3, 'past 64 KiB: handed to the interpreter');
  assert.equal(refused.buf.findIndex((b) => b !== 0), -1, 'what it wrote is zeroed');
  // Nothing of it in the module's memory either (the module wipes at most 64 KiB and 16 bytes of its copy).
  const digits = wide(999, '4111111111111111');
  assert.equal(shape.compiled(digits, new Writer(64), 0, '', Object.values(digits)), -3);
  assert.equal(packClassCheck()!.message.findIndex((b) => b !== 0), -1, 'the module holds no byte of it');
  // Through the codec: the interpreter's bytes (a fresh codec has no plan yet), and its errors on a bad character.
  for (const message of [big, small, wide(999, 'SHOP 1 ', '\x01'), wide(999, 'SHOP 1 ', '\u0131'), wide(999, '4111111111111111')]) {
    assert.deepEqual(packOutcome(codec, message), packOutcome(createCodec(dialect), message));
  }
  assert.ok(plansOf(codec).plans[0]!.compiled !== undefined, 'a few refusals keep the compiled packer');
});

/** The child of the `--jitless` test: packs the messages of its argument (JSON) with a warmed codec, prints outcomes. */
const CHILD = `
const [{ createCodec }, { packClassCheck }, { PLAN_AFTER }] = await Promise.all([
  import(process.argv[1]), import(process.argv[2]), import(process.argv[3])]);
const messages = JSON.parse(process.argv[4]);
const codec = createCodec('iso87ascii');
for (let i = 0; i < PLAN_AFTER; i++) codec.pack(messages[0]);
const compiled = codec.layout.packShapes.plans[0]?.compiled !== undefined;
const out = messages.map((m) => { try { return { bytes: Buffer.from(codec.pack(m)).toString('hex') }; }
  catch (e) { return { code: e.code, words: e.message, problems: e.problems }; } });
console.log(JSON.stringify({ wasm: typeof WebAssembly, check: packClassCheck() !== null, compiled, out }));
`;

test('compiled pack fallbacks – under --jitless (no WebAssembly) the packer checks in JavaScript: the same bytes and errors', () => {
  // Field 55 makes the plan long enough for the module where it runs; each variant has one bad character or length.
  const base: IsoMessage = { ...BASE_PURCHASE, '55': '9F26'.repeat(40), '43': 'SHOP 1                   CITY         US' };
  const messages: IsoMessage[] = [base];
  for (const [key, bad] of [['2', 'A'], ['3', ' '], ['35', '\x7f'], ['41', '\xe9'], ['43', '\x1f'], ['49', '\u0131'], ['55', 'G']] as const) {
    const v = base[key] as string;
    messages.push({ ...base, [key]: v.slice(0, -1) + bad });
  }
  messages.push({ ...base, '55': '9F26'.repeat(250) }, { ...base, '2': '41111111111111111111' }, { ...base, '4': '1000' });
  const here = createCodec('iso87ascii');
  for (let i = 0; i < PLAN_AFTER; i++) here.pack(base);
  assert.ok(plansOf(here).plans[0]!.compiled !== undefined);
  const expected = messages.map((m) => packOutcome(here, m));
  const url = (path: string): string => new URL(path, import.meta.url).href;
  const run = spawnSync(
    process.execPath,
    ['--jitless', '--input-type=module', '-e', CHILD, url('../src/index.js'), url('../src/field/class-check.js'), url('../src/field/pack-shapes.js'), JSON.stringify(messages)],
    { encoding: 'utf8', cwd: fileURLToPath(new URL('.', import.meta.url)) },
  );
  assert.equal(run.status, 0, run.stderr.slice(-2000));
  const child = JSON.parse(run.stdout) as { wasm: string; check: boolean; compiled: boolean; out: unknown[] };
  assert.equal(child.wasm, 'undefined', 'no WebAssembly under --jitless');
  assert.equal(child.check, false, 'no module: the JavaScript checks');
  assert.equal(child.compiled, true, 'the plan has a compiled packer (code from strings runs without the JIT)');
  assert.deepEqual(child.out, expected);
  const packed = expected.filter((o) => (o as { bytes?: string }).bytes !== undefined).length;
  assert.ok(packed >= 2 && packed < messages.length, `some packed (${packed}), some refused`);
});
