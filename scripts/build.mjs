// The build: the modules generated before TypeScript (the manifest, the codec's WebAssembly, placeholders of the
// schema checks), `tsc --build`, then the schema checks written from the compiled schemas and, when one changed, a
// second `tsc --build` that compiles them (scripts/schema-validators.mjs says why there are two).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const node = (args, capture = false) =>
  execFileSync(process.execPath, args, { cwd: root, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'], encoding: 'utf8' });

node(['scripts/manifest-module.mjs']);
node(['scripts/wasm-module.mjs']);
node(['scripts/schema-validators.mjs', '--placeholders']);
node([tsc, '--build']);
if (node(['scripts/schema-validators.mjs'], true).includes('changed')) node([tsc, '--build']);
// The `iso8583` command's bundle (scripts/bundle-cli.mjs says what it is and when bin/iso8583.js loads it).
node(['scripts/bundle-cli.mjs']);
