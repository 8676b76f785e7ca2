/**
 * The shape of the code, checked: the packages depend one way (codec, metrics <- connector, inbound <- cli), no package
 * reaches into another's files, and a production file longer than 400 lines says at its top why it is one idea.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '@iso8583/test-support';

const PACKAGES = ['codec', 'metrics', 'connector', 'inbound', 'cli'] as const;

/** Which packages each package may import. */
const ALLOWED: Record<(typeof PACKAGES)[number], readonly string[]> = {
  codec: [],
  metrics: [],
  connector: ['codec', 'metrics'],
  inbound: ['codec', 'metrics'],
  cli: ['codec', 'connector', 'inbound'],
};

/** Longest production file without a stated reason. */
const MAX_LINES = 400;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function specifiers(text: string): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1] as string);
}

test('packages import one way: codec, metrics <- connector, inbound <- cli', () => {
  const wrong: string[] = [];
  for (const name of PACKAGES) {
    const src = join(repoRoot(), 'packages', name, 'src');
    for (const file of sources(src)) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const where = relative(repoRoot(), file);
        const pkg = /^@iso8583\/([a-z-]+)/.exec(spec)?.[1];
        if (pkg !== undefined && !ALLOWED[name].includes(pkg)) wrong.push(`${where} imports @iso8583/${pkg}`);
        if (spec.startsWith('.') && !join(file, '..', spec).startsWith(src)) wrong.push(`${where} reaches outside its package: ${spec}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test(`no production file is over ${MAX_LINES} lines without the reason at its top`, () => {
  const long: string[] = [];
  for (const name of PACKAGES) {
    for (const file of sources(join(repoRoot(), 'packages', name, 'src'))) {
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n').length;
      const head = text.split('\n').slice(0, 20).join('\n');
      if (lines > MAX_LINES && !/Longer than 400 lines because/.test(head)) long.push(`${relative(repoRoot(), file)} (${lines} lines)`);
    }
  }
  assert.deepEqual(long, []);
});
