// Writes scripts/test-weights.json (each compiled test file's seconds, which scripts/test-groups.mjs orders the groups
// by) from the profile of a whole run: `node scripts/test.mjs --times PROFILE && node scripts/test-weights.mjs PROFILE`.
// Run it again when the slow files change; a file missing from the weights counts as the median one meanwhile.
import { readFileSync, writeFileSync } from 'node:fs';

const profile = process.argv[2];
if (profile === undefined) {
  console.error('usage: node scripts/test-weights.mjs PROFILE (the lines `node scripts/test.mjs --times PROFILE` wrote)');
  process.exit(2);
}
const weights = {};
for (const line of readFileSync(profile, 'utf8').split('\n')) {
  if (line.trim() === '') continue;
  const { file, ms } = JSON.parse(line);
  weights[file] = Math.round(ms / 100) / 10;
}
const sorted = Object.fromEntries(Object.entries(weights).sort(([a], [b]) => (a < b ? -1 : 1)));
const out = new URL('./test-weights.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(sorted, null, 1)}\n`);
console.log(`${Object.keys(sorted).length} files' seconds written to scripts/test-weights.json`);
