// Finds compiled files for the runner scripts (test, fuzz, bench): every file below `dist/` of the given roots whose
// name matches, sorted, node_modules skipped. Node 20's `node --test` takes no globs, so the scripts list files here.
// A compiled file whose TypeScript source is gone (moved or deleted: `tsc --build` never removes its old output) is
// left out, with a notice, so that a stale copy of a moved test does not run beside the new one.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

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

/** The TypeScript source of `<root>/dist/<path>.js`: `<root>/<path>.ts`. */
function sourceOf(root, file) {
  return join(root, relative(join(root, 'dist'), file)).replace(/\.js$/, '.ts');
}

/** The files below `<root>/dist` of every root whose name satisfies `matches` and whose source exists, sorted. */
export function compiledFiles(roots, matches) {
  const stale = [];
  const files = roots.flatMap((root) =>
    collect(join(root, 'dist'), matches, []).filter((file) => existsSync(sourceOf(root, file)) || (stale.push(file), false)),
  );
  if (stale.length > 0) {
    console.error(`left out ${stale.length} compiled file(s) whose source is gone (remove them, or run \`npm run clean\`): ${stale.join(', ')}`);
  }
  return files.sort();
}
