// Long fuzz run: every compiled `*fuzz*.test.js` of the packages (and test/) with many more runs than `npm test`.
// Builds nothing (run `npm run build` first). Usage: `node scripts/fuzz.mjs [runs]` (default 200000 per property),
// or set ISO8583_FUZZ_RUNS.
import { spawnSync } from 'node:child_process';
import { TEST_ROOTS, compiledFiles } from './compiled-files.mjs';

const runs = process.argv[2] ?? process.env.ISO8583_FUZZ_RUNS ?? '200000';
if (!/^[1-9][0-9]*$/.test(runs)) {
  console.error(`fuzz: runs must be a positive whole number, not ${JSON.stringify(runs)}`);
  process.exit(2);
}

const files = compiledFiles(TEST_ROOTS, (name) => name.endsWith('.test.js') && name.includes('fuzz'));
if (files.length === 0) {
  console.error('fuzz: no compiled *fuzz*.test.js files found: run `npm run build` first');
  process.exit(1);
}
console.log(`fuzz: ${files.length} file(s), ISO8583_FUZZ_RUNS=${runs}`);
const result = spawnSync(process.execPath, ['--test', ...files], {
  stdio: 'inherit',
  env: { ...process.env, ISO8583_TEST: '1', ISO8583_FUZZ_RUNS: runs },
});
process.exit(result.status ?? 1);
