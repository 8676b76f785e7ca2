/**
 * What a new user meets before any code runs: every installed package supports the Node.js the README names (no
 * EBADENGINE warning on `npm install`), and `eslint .` lints the project's own folders, not a folder the user adds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { repoRoot } from '@iso8583/test-support';

const root = repoRoot();
const require = createRequire(import.meta.url);
const semver = require('semver') as { satisfies(version: string, range: string): boolean; minVersion(range: string): { version: string } | null };

/** The lowest Node.js the workspace declares (`engines.node` of the root package.json, `>=20.19`). */
function declaredNode(): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
  const min = semver.minVersion(pkg.engines.node);
  assert.ok(min !== null, `engines.node ${pkg.engines.node} has a lowest version`);
  return min.version;
}

test('the README and the getting-started guide name the Node.js version of package.json engines', () => {
  const [major, minor] = declaredNode().split('.');
  const named = `${major}.${minor} or later`;
  assert.match(readFileSync(join(root, 'README.md'), 'utf8'), new RegExp(`Node\\.js ${major}\\.${minor} or later`));
  assert.match(readFileSync(join(root, 'docs', 'getting-started.md'), 'utf8'), new RegExp(`\\(${named}\\)`));
});

test('every package in the lock file supports the lowest declared Node.js (npm install warns no EBADENGINE)', () => {
  const node = declaredNode();
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean }>;
  };
  const refused = Object.entries(lock.packages)
    .filter(([, p]) => p.engines !== undefined && !Array.isArray(p.engines) && typeof p.engines.node === 'string')
    .filter(([, p]) => !semver.satisfies(node, (p.engines as { node: string }).node))
    .map(([path, p]) => `${path}@${p.version ?? '?'} wants node ${(p.engines as { node: string }).node}`);
  assert.deepEqual(refused, [], `packages that refuse Node ${node}`);
});

test('eslint . lints the project folders and skips folders a user adds (scratch dirs, top-level files)', async () => {
  const eslint = new ESLint({ cwd: root });
  for (const own of ['packages/cli/src/main.ts', 'packages/codec/test/bitmap.test.ts', 'test/gateway.test.ts', 'bench/codec.bench.ts', 'examples/mediation.ts', 'scripts/test.mjs', 'eslint.config.js']) {
    assert.equal(await eslint.isPathIgnored(join(root, own)), false, `${own} is linted`);
  }
  for (const foreign of ['tmp/scratch.js', 'scratch-folder/a.ts', 'packages/cli/scratch/a.ts', 'notes.mjs', 'packages/cli/dist/src/main.js']) {
    assert.equal(await eslint.isPathIgnored(join(root, foreign)), true, `${foreign} is not linted`);
  }
});
