// Runs every compiled benchmark (`bench/dist/**/*.bench.js`) one after the other, each in its own node process so
// that one benchmark's heap and JIT state do not bend the next one's figures. Arguments filter by substring:
// `node scripts/bench.mjs codec` runs only the files whose path contains "codec".
//
// Every benchmark run here compares its figures with their reference in the same run and prints `met` / `NOT met`,
// exiting non-zero when a target is missed. Explorations (measurements with no target: what a plan or an index costs,
// for a decision) live in `bench/explore/` and run only with `--explore`: `node scripts/bench.mjs --explore pg-claim-gone`
// (filters as above; `--explore` alone runs them all).
import { sep } from 'node:path';
import { spawnSync } from 'node:child_process';
import { compiledFiles } from './compiled-files.mjs';

const args = process.argv.slice(2);
const explore = args.includes('--explore');
const filter = args.filter((a) => a !== '--explore');
/** The compiled explorations' folder, within `bench/dist`. */
const EXPLORE = `${sep}explore${sep}`;

const files = compiledFiles(['bench'], (name) => name.endsWith('.bench.js'))
  .filter((f) => f.includes(EXPLORE) === explore)
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error(`no ${explore ? 'exploration' : 'benchmark'} found${filter.length > 0 ? ` for ${filter.join(', ')}` : ''}: run \`npx tsc -b bench\` (or \`npm run build\`) first`);
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
