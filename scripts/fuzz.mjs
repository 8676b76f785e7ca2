// Long fuzz run: every compiled `*fuzz*.test.js` of the packages (and test/) with many more runs than `npm test`.
// Builds nothing (run `npm run build` first). Usage: `node scripts/fuzz.mjs [runs]` (default 200000 per property),
// or set ISO8583_FUZZ_RUNS.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['packages/codec', 'packages/connector', 'packages/inbound', 'packages/cli', 'test'];
const runs = process.argv[2] ?? process.env.ISO8583_FUZZ_RUNS ?? '200000';
if (!/^[1-9][0-9]*$/.test(runs)) {
  console.error(`fuzz: runs must be a positive whole number, not ${JSON.stringify(runs)}`);
  process.exit(2);
}

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
    else if (name.endsWith('.test.js') && name.includes('fuzz')) out.push(path);
  }
  return out;
}

const files = roots.flatMap((root) => collect(join(root, 'dist'), [])).sort();
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
