// A PostgreSQL cluster of a test file's own (startPostgres: a copy of the template, `pg_ctl start`, its stop) costs the
// file about a second of wall and half a second of CPU; the process's shared server (sharedPostgres) costs it a
// `createdb`. So a test source that starts a cluster of its own says why: it stops or restarts the server, makes roles
// (they outlive its databases), syncs to disk (`durable`), or names another reason in an `// own cluster:` comment.
// Everything else takes sharedPostgres.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../src/vectors.js';

/** The TypeScript sources under `dir` (no build output, no dependencies). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'dist' || entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** What makes a cluster of a file's own needed (see the file's head). */
const OWN_REASONS = [/\.stopServer\(/, /\.startServer\(/, /CREATE ROLE/i, /durable:\s*true/, /\/\/ own cluster: \S/];

test('a test source that starts a PostgreSQL cluster of its own says why (stops the server, makes roles, durable, or an `// own cluster:` reason); the others take sharedPostgres', () => {
  const root = repoRoot();
  const folders = [join(root, 'test'), join(root, 'examples'), ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'test'))];
  const starting = folders
    .flatMap((folder) => {
      try {
        return sources(folder);
      } catch {
        return []; // a package without tests
      }
    })
    .filter((file) => readFileSync(file, 'utf8').includes('startPostgres('));
  assert.ok(starting.length > 0, 'the scan found the files that start clusters (none: it looks in the wrong place)');
  const unexplained = starting.filter((file) => !OWN_REASONS.some((reason) => reason.test(readFileSync(file, 'utf8')))).map((file) => relative(root, file));
  assert.deepEqual(unexplained, [], 'these start a cluster of their own without a reason: take sharedPostgres, or say why in an `// own cluster:` comment');
});
