// Runs every compiled benchmark (`bench/dist/**/*.bench.js`) one after the other, each in its own node process so
// that one benchmark's heap and JIT state do not bend the next one's figures. Arguments filter by substring:
// `node scripts/bench.mjs codec` runs only the files whose path contains "codec".
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = join('bench', 'dist');
const filter = process.argv.slice(2);

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.bench.js')) out.push(path);
  }
  return out;
}

const files = collect(root, [])
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('no benchmark found: run `npx tsc -b bench` (or `npm run build`) first');
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const result = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`${file} exited with ${result.status ?? result.signal}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
