/**
 * The message a compiled reader returns keeps a plain elements store (`field/compile-unpack.ts`): its object literal
 * lists the keys from the highest down only where the fields are dense enough for V8 to make that literal's
 * dictionary a plain store of exactly the slots needed; a sparse message type (an 0800 with fields 7, 11 and 70)
 * keeps ascending keys, as descending ones would leave its messages with dictionary elements, slower to read. V8's
 * `%HasDictionaryElements` tells, in a process of its own with `--allow-natives-syntax`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** Message types from dense to sparse (the highest field against the number of fields). Test card only. */
const MESSAGES: Record<string, Record<string, string>> = {
  purchase: {
    0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1203101530', 11: '000001', 12: '101530',
    13: '1203', 14: '2812', 18: '5999', 22: '051', 25: '00', 35: '4111111111111111=28121011234567890',
    37: '000000618160', 41: '00992468', 42: '000124642124643', 49: '840', 55: '9F2608571F1E10D4FA4AAC',
  },
  network: { 0: '0800', 7: '1203101530', 11: '000001', 70: '301' },
  inquiry: { 0: '0200', 3: '310000', 11: '000001', 41: '00992468' },
  secondary: { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: '000001', 41: '00992468', 128: '0123456789ABCDEF' },
};

test('compiled unpack – dense and sparse message types come back with plain elements, keys in ascending order', () => {
  const codecUrl = new URL('../src/index.js', import.meta.url).href;
  const script =
    `const { createCodec } = await import(${JSON.stringify(codecUrl)});\n` +
    `const codec = createCodec('iso87ascii');\n` +
    `const out = {};\n` +
    `for (const [name, message] of Object.entries(${JSON.stringify(MESSAGES)})) {\n` +
    // Enough reads for the type to be compiled, and read last (its reader of the whole message).
    `  const bytes = codec.pack(message); let got;\n` +
    `  for (let i = 0; i < 30; i++) got = codec.unpack(bytes);\n` +
    `  out[name] = { dictionary: %HasDictionaryElements(got), keys: Object.keys(got).join(',') };\n` +
    `}\n` +
    `console.log(JSON.stringify(out));\n`;
  const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as Record<string, { dictionary: boolean; keys: string }>;
  for (const [name, message] of Object.entries(MESSAGES)) {
    const keys = Object.keys(message).map(Number).sort((a, b) => a - b).join(',');
    assert.deepEqual(out[name], { dictionary: false, keys }, name);
  }
});
