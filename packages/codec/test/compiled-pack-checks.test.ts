/**
 * The character checks of a compiled packer (`field/compile-pack.ts`): the WebAssembly module's (the pack instance of
 * `field/class-check.ts`, tables of ASCII only) and the JavaScript word checks (where WebAssembly is missing) give
 * the same outcome and the same bytes for every message; and no card data stays in the module's memory after a pack,
 * accepted or refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '../src/index.js';
import { compilePack } from '../src/field/compile-pack.js';
import type { CompiledPack } from '../src/field/compile-pack.js';
import { classCheck, packClassCheck } from '../src/field/class-check.js';
import type { ClassCheck } from '../src/field/class-check.js';
import { writeValue } from '../src/field/fast-write.js';
import { PRINTABLE } from '../src/field/charset.js';
import { Writer } from '../src/field/writer.js';
import { PURCHASE as BASE_PURCHASE, plansOf, warmed } from './pack-outcome.js';

/** Every class of iso87ascii in one message: n, LLVAR n, z, an, ans, LLLVAR ans. Test card only. */
const PURCHASE: IsoMessage = {
  ...BASE_PURCHASE,
  '37': '000000618160',
  '42': '000124642124643',
  '43': 'SHOP 1                   CITY         US',
};

/** The purchase's compiled packer checked by the module (`true`) or by JavaScript (`false`). */
function packer(wasm: boolean): CompiledPack {
  const shape = plansOf(warmed('iso87ascii', PURCHASE)).plans[0]!;
  const compiled = compilePack(shape.plans, shape.bitmap, writeValue, 1, wasm);
  assert.ok(compiled !== undefined, 'the purchase has a compiled packer');
  return compiled;
}

/** What a compiled packer makes of `message`: its result, and the bytes it wrote when it packed it. */
function outcome(pack: CompiledPack, message: IsoMessage): { end: number; bytes: string } {
  const w = new Writer(64);
  const end = pack(message, w, 0, '', Object.values(message));
  return { end, bytes: end >= 0 ? Buffer.from(w.buf.subarray(0, end)).toString('hex') : '' };
}

/** The purchase with a long field 55 (the module checks a plan with field 55 whatever its length). */
const LONG: IsoMessage = { ...PURCHASE, '55': '9F26'.repeat(50) };

/** `base` with one character of each field (at its start, middle and end) changed to each of `chars`. */
function variants(base: IsoMessage, chars: readonly string[]): IsoMessage[] {
  const out: IsoMessage[] = [base];
  for (const key of Object.keys(base).filter((k) => k !== '0')) {
    const v = base[key] as string;
    for (const c of chars) for (const at of [0, v.length >> 1, v.length - 1]) out.push({ ...base, [key]: v.slice(0, at) + c + v.slice(at + 1) });
  }
  return out;
}

/** Counts the calls of the pack instance's check (white box: the compiled packer calls the instance's property). */
function counted(check: ClassCheck): { calls: number; restore(): void } {
  const original = check.check;
  const seen = { calls: 0, restore: () => Object.assign(check, { check: original }) };
  Object.assign(check, { check: (count: number, wipe: number) => (seen.calls++, original(count, wipe)) });
  return seen;
}

test('compiled pack checks – the module and the JavaScript checks agree on every class, byte and length', (t) => {
  if (packClassCheck() === null) {
    t.skip('no WebAssembly SIMD here: only the JavaScript checks run');
    return;
  }
  const wasm = packer(true);
  const js = packer(false);
  // Bytes of every kind: digits, letters, the track separators, space, punctuation, DEL, controls, Latin-1 text
  // (which no check of pack takes: the interpreter refuses or sends it), and characters a Latin-1 write would cut.
  const chars = ['0', '9', 'A', 'z', 'D', '=', ' ', '~', '\x7f', '\x00', '\x1f', '\x80', '\xa0', '\xe9', '\xff', '\u0131'];
  const messages = [...variants(PURCHASE, chars), ...variants(LONG, chars)];
  for (let n = 0; n <= 300; n += n < 60 ? 1 : 7) messages.push({ ...PURCHASE, '55': 'A'.repeat(n) }, { ...PURCHASE, '55': 'A'.repeat(n) + '\xe9' });
  let packed = 0;
  const calls = counted(packClassCheck()!);
  try {
    for (const message of messages) {
      const a = outcome(wasm, message);
      assert.deepEqual(a, outcome(js, message), JSON.stringify(message));
      if (a.end >= 0) packed++;
    }
  } finally {
    calls.restore();
  }
  assert.ok(packed > 100 && packed < messages.length, `some packed (${packed} of ${messages.length}), some refused`);
  assert.ok(calls.calls > 500, `the module checked them (${calls.calls} of ${messages.length})`);
  // The pack instance takes no Latin-1 above ASCII in a printable class; the unpack instance does (it reads it).
  const check = packClassCheck()!;
  check.message[0] = 0xe9;
  assert.notEqual(check.run(0, 1, PRINTABLE), 0, 'pack: 0xE9 is not printable ASCII');
  check.message[0] = 0x41;
  assert.equal(check.run(0, 1, PRINTABLE), 0);
  check.message[0] = 0;
  const unpack = classCheck()!;
  unpack.message[0] = 0xe9;
  assert.equal(unpack.run(0, 1, PRINTABLE), 0, 'unpack: 0xE9 is printable Latin-1');
  unpack.message[0] = 0;
});

test('compiled pack checks – no card data stays in the memory of the check, whether the pack is accepted or refused', (t) => {
  const check = packClassCheck();
  if (check === null) {
    t.skip('no WebAssembly SIMD here');
    return;
  }
  const pack = packer(true);
  const pan = PURCHASE['2'] as string;
  const track = PURCHASE['35'] as string;
  const messages: IsoMessage[] = [LONG, { ...LONG, '3': '00000X' }, { ...LONG, '55': 'A'.repeat(239) + '\x01' }];
  for (const message of messages) {
    const calls = counted(check);
    let end: number;
    try {
      end = outcome(pack, message).end;
    } finally {
      calls.restore();
    }
    assert.equal(calls.calls, 1, 'the module checked it');
    assert.ok(end === -3 || message === LONG, `${JSON.stringify(message['3'])}: ${end}`);
    assert.equal(check.message.findIndex((b) => b !== 0), -1, 'the copy is wiped');
    const memory: Buffer = Buffer.from(check.memory);
    assert.equal(memory.includes(Buffer.from(pan, 'latin1')), false, 'no PAN');
    assert.equal(memory.includes(Buffer.from(track, 'latin1')), false, 'no track 2');
  }
});
