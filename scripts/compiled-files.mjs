// Finds compiled files for the runner scripts (test, fuzz, bench): every file below `dist/` of the given roots whose
// name matches, sorted, node_modules skipped. Node 20's `node --test` takes no globs, so the scripts list files here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The folders whose `dist/` holds compiled tests. */
export const TEST_ROOTS = ['packages/codec', 'packages/metrics', 'packages/connector', 'packages/inbound', 'packages/cli', 'packages/test-support', 'test', 'examples'];

function collect(dir, matches, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, matches, out);
    else if (matches(name)) out.push(path);
  }
  return out;
}

/** The files below `<root>/dist` of every root whose name satisfies `matches`, sorted. */
export function compiledFiles(roots, matches) {
  return roots.flatMap((root) => collect(join(root, 'dist'), matches, [])).sort();
}
