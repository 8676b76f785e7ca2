/**
 * Every flag a command's `--help` shows (the real binary's) is documented: it appears, as `--flag` whole, in docs/*.md,
 * the repository README or a package README. `demo --bank-delay` and `gateway --http-enabled` were in --help and
 * nowhere else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { BIN } from './helpers/cli.js';

const root = repoRoot();

/** The text of docs/*.md, README.md and packages/*\/README.md. */
function documentation(): string {
  const files = [
    ...readdirSync(join(root, 'docs')).filter((n) => n.endsWith('.md')).map((n) => join(root, 'docs', n)),
    join(root, 'README.md'),
    ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'README.md')),
  ];
  return files.filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8')).join('\n');
}

const help = (args: string[]): string => execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

test('every flag of every command\'s --help appears in the documentation', () => {
  const commands = [...help(['--help']).matchAll(/^ {2}([a-z][a-z-]+) {2,}/gm)].map((m) => m[1] as string);
  assert.ok(commands.length >= 9 && commands.includes('gateway') && commands.includes('demo'), `commands read from --help: ${commands.join(', ')}`);
  const docs = documentation();
  const missing: string[] = [];
  for (const command of commands) {
    const flags = new Set([...help([command, '--help']).matchAll(/(?<![\w-])--[A-Za-z][A-Za-z0-9-]*/g)].map((m) => m[0]));
    for (const flag of flags) {
      if (!new RegExp(`${flag}(?![A-Za-z0-9-])`).test(docs)) missing.push(`${command} ${flag}`);
    }
  }
  assert.deepEqual(missing, [], 'flags in --help that no doc names');
});
