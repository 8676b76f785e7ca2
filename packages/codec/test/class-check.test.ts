/**
 * The character check in WebAssembly (`field/class-check.ts`, `wasm/class-check.wat`): the bytes in the build are
 * those of the WebAssembly text, every class says of every byte what `charset.ts` says, wherever the byte is in a run
 * and whatever lies around the run; and where WebAssembly is missing the compiled readers check in JavaScript and
 * give the same messages and errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { CLASS_CHECK_WASM } from '../src/generated/class-check-wasm.js';
import { MAX_RUNS, UPPER_HEX_CLASS, classCheck, wasmChecks } from '../src/field/class-check.js';
import { CLASS } from '../src/field/charset.js';

/** The generator of the build (`scripts/wasm-module.mjs`), which turns WebAssembly text into bytes. */
interface WasmModuleScript {
  wasmOf(name: string, text: string): Promise<Buffer>;
}

const WAT = new URL('../../wasm/class-check.wat', import.meta.url);
const SCRIPT = new URL('../../../../scripts/wasm-module.mjs', import.meta.url);

/** True when byte `c` is in class `cls` (a mask of `charset.ts`, or the upper-case hex digits). */
function inClass(c: number, cls: number): boolean {
  if (cls === UPPER_HEX_CLASS) return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46);
  return (CLASS[c]! & cls) !== 0;
}

/** Every class the module knows: the 64 masks and the upper-case hex digits. */
const CLASSES = [...Array.from({ length: 64 }, (_, i) => i), UPPER_HEX_CLASS];

test('class check – the module in the build is the WebAssembly text of wasm/class-check.wat', async () => {
  const { wasmOf } = (await import(SCRIPT.href)) as WasmModuleScript;
  const built = Buffer.from(CLASS_CHECK_WASM, 'base64');
  assert.deepEqual(await wasmOf('class-check.wat', readFileSync(WAT, 'utf8')), built);
  assert.equal(built.subarray(0, 4).toString('latin1'), '\0asm');
});

test('class check – every byte alone, in every class, is in or out as charset.ts says', (t) => {
  const check = classCheck();
  if (check === null) return t.skip('WebAssembly with SIMD is missing here');
  for (const cls of CLASSES) {
    for (let c = 0; c < 256; c++) {
      check.message[7] = c;
      assert.equal(check.run(7, 8, cls) === 0, inClass(c, cls), `byte ${c} in class ${cls}`);
    }
  }
  check.message.fill(0);
});

test('class check – arguments no compiled reader passes are refused, not trusted: a run backwards, past the window, an unknown class; a run ending at the end of the window is checked', (t) => {
  const check = classCheck();
  if (check === null) return t.skip('WebAssembly with SIMD is missing here');
  check.message.fill(0x35, 0, 65536);
  const digits = CLASSES.find((cls) => cls !== 0 && cls !== UPPER_HEX_CLASS && inClass(0x35, cls) && !inClass(0x41, cls)) as number;
  assert.equal(check.run(0, 16, digits), 0, 'a run of digits is in the class');
  assert.notEqual(check.run(9, 3, digits), 0, 'a run that ends before it starts');
  assert.notEqual(check.run(0, 65537, digits), 0, 'a run past the 64 KB window');
  assert.notEqual(check.run(0, 16, UPPER_HEX_CLASS + 1), 0, 'a class with no table');
  assert.equal(check.run(65520, 65536, digits), 0, 'the last 16 bytes of the window');
  check.message[65535] = 0x41;
  assert.notEqual(check.run(65520, 65536, digits), 0, 'a stray byte at the last place of the window');
  check.message.fill(0);
});

test('class check – a stray byte at every place of a run of 0 to 40 bytes is found, bytes around the run are not looked at', (t) => {
  const check = classCheck();
  if (check === null) return t.skip('WebAssembly with SIMD is missing here');
  // Runs of a class, from starts at every place of a 16-byte step, between bytes outside the class.
  const cases: [cls: number, good: number, bad: number][] = [
    [CLASS[0x30]!, 0x35, 0x3a],
    [UPPER_HEX_CLASS, 0x46, 0x66],
    [63, 0xa0, 0x7f],
    [CLASS[0x41]! | CLASS[0x30]!, 0x5a, 0x20],
  ];
  for (const [cls, good, bad] of cases) {
    for (let start = 0; start < 16; start++) {
      for (let length = 0; length <= 40; length++) {
        const end = start + length;
        check.message.fill(bad, 0, 64);
        check.message.fill(good, start, end);
        assert.equal(check.run(start, end, cls), 0, `class ${cls}, ${length} bytes from ${start}`);
        for (let at = start; at < end; at++) {
          check.message[at] = bad;
          assert.notEqual(check.run(start, end, cls), 0, `class ${cls}, a stray byte at ${at} of ${start} .. ${end}`);
          check.message[at] = good;
        }
      }
    }
  }
  check.message.fill(0);
});

test('class check – one call checks every run noted down, finds a stray byte in any of them, and wipes the message bytes it is given even then', (t) => {
  const check = classCheck();
  if (check === null) return t.skip('WebAssembly with SIMD is missing here');
  const digits = CLASS[0x30]!;
  const letters = CLASS[0x41]!;
  const note = (runs: [start: number, end: number, cls: number][]): number => {
    runs.forEach(([start, end, cls], i) => check.runs.set([start, end, cls], 3 * i));
    return runs.length;
  };
  const fill = (): void => {
    check.message.fill(0x35, 0, 40);
    check.message.fill(0x41, 40, 100);
  };
  fill();
  const runs = note([[0, 40, digits], [40, 100, letters], [3, 3, letters]]);
  assert.equal(check.check(runs, 0), 0, 'every run in its class');
  for (const at of [0, 39, 40, 77, 99]) {
    const good = check.message[at]!;
    check.message[at] = 0x7f;
    assert.equal(check.check(runs, 0), 1, `a stray byte at ${at}`);
    check.message[at] = good;
  }
  assert.equal(check.check(runs - 1, 0), 0, 'only the runs counted are checked');
  // The wipe: exactly the bytes given, after a stray byte too.
  check.message[50] = 0x7f;
  assert.equal(check.check(runs, 60), 1);
  assert.equal(check.message.findIndex((b) => b !== 0), 60);
  assert.equal(check.check(0, 100), 0);
  assert.equal(check.message.findIndex((b) => b !== 0), -1, 'the message bytes are wiped');
  // More runs than there is room for: refused, and the wipe done.
  check.message.fill(0x35, 0, 16);
  assert.equal(check.check(MAX_RUNS + 1, 16), 1);
  assert.equal(check.message.findIndex((b) => b !== 0), -1);
  check.runs.fill(0);
});

test('class check – where WebAssembly is missing, compiled readers check in JavaScript: the same messages and errors', () => {
  // The compiled reader's tests, run in a process without WebAssembly (`--no-expose-wasm`): one process imports the
  // three files (as a group of `npm test` does), not `node --test`, which would start a process for each and one more.
  const tests = ['compiled-unpack.test.js', 'compiled-unpack-fuzz.test.js', 'compiled-unpack-wipe.test.js'].map((f) => new URL(f, import.meta.url).href);
  const probe = new URL('../src/field/class-check.js', import.meta.url).href;
  const script = `const { wasmChecks } = await import(${JSON.stringify(probe)}); console.log(typeof WebAssembly, wasmChecks());`;
  const bare = spawnSync(process.execPath, ['--no-expose-wasm', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(bare.stdout.trim(), 'undefined false');
  // A test run of its own (without the parent's NODE_TEST_CONTEXT, which would make it report to the parent; a failed
  // test makes its exit code 1). In `npm test` the fuzz there runs 100 cases per dialect (ISO8583_FUZZ_RUNS 700, a
  // seventh each) instead of its own 285: the fallback shares its callers and errors with the WebAssembly path, which
  // compiled-unpack-fuzz covers at full count; `npm run fuzz` (ISO8583_FUZZ_RUNS set) runs it here at the fuzz count too.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  if (env.ISO8583_FUZZ_RUNS === undefined || env.ISO8583_FUZZ_RUNS === '') env.ISO8583_FUZZ_RUNS = '700';
  const imports = tests.map((url) => `import ${JSON.stringify(url)};`).join('\n');
  const run = spawnSync(process.execPath, ['--no-expose-wasm', '--test-reporter=tap', '--input-type=module', '-e', imports], { encoding: 'utf8', env });
  assert.equal(run.status, 0, run.stdout.slice(-2000));
  assert.match(run.stdout, /# fail 0/);
  assert.match(run.stdout, /# pass [1-9]/, 'the files\' tests ran');
  // And here, where it is there (Node 20 has WebAssembly SIMD), the compiled readers use it.
  assert.equal(wasmChecks(), true);
});
