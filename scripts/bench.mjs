// Runs every compiled benchmark (`bench/dist/**/*.bench.js`) one after the other, each in its own node process so
// that one benchmark's heap and JIT state do not bend the next one's figures. Arguments filter by substring:
// `node scripts/bench.mjs codec` runs only the files whose path contains "codec".
import { spawnSync } from 'node:child_process';
import { compiledFiles } from './compiled-files.mjs';

const filter = process.argv.slice(2);

const files = compiledFiles(['bench'], (name) => name.endsWith('.bench.js'))
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
