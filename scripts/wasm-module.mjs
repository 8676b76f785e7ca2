// Turns the WebAssembly text of the codec (packages/codec/wasm/*.wat, the one source of those bytes) into TypeScript
// modules before `tsc --build`, with wabt: `packages/codec/src/generated/NAME-wasm.ts` holds the module's bytes as
// base64. A module is rewritten only when its text changes (so that tsc does not rebuild the codec for nothing). The
// generated folders are ignored by git; a codec test turns the text into bytes again and compares (`wasmOf`).
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import wabtInit from 'wabt';
import { writeIfChanged } from './write-if-changed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'packages/codec/wasm');
const target = join(root, 'packages/codec/src/generated');

/** The binary module of the WebAssembly text `text` (its name `name` for errors), features as Node 20 has them. */
export async function wasmOf(name, text) {
  const wabt = await wabtInit();
  const parsed = wabt.parseWat(name, text, { simd: true });
  try {
    parsed.resolveNames();
    parsed.validate();
    return Buffer.from(parsed.toBinary({ log: false, write_debug_names: false }).buffer);
  } finally {
    parsed.destroy();
  }
}

/** The name of the exported constant for `class-check.wat`: `CLASS_CHECK_WASM`. */
function constantOf(base) {
  return `${base.replace(/-/g, '_').toUpperCase()}_WASM`;
}

async function main() {
  for (const file of readdirSync(source).filter((f) => f.endsWith('.wat')).sort()) {
    const base = file.slice(0, -'.wat'.length);
    const bytes = await wasmOf(file, readFileSync(join(source, file), 'utf8'));
    const text =
      `// Generated from packages/codec/wasm/${file} by scripts/wasm-module.mjs at build time: do not edit.\n` +
      `/** The WebAssembly module of wasm/${file} (${bytes.length} bytes), base64. */\n` +
      `export const ${constantOf(base)} = '${bytes.toString('base64')}';\n`;
    writeIfChanged(join(target, `${base}-wasm.ts`), text);
  }
}

// Run as a script (through a symlink too), not when a test imports `wasmOf`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) await main();
