/**
 * When bin/iso8583.js loads the build's bundle and when dist/src: the real script, copied into a folder of its own beside
 * a stand-in of each (a `main` that names itself) and a stamp over a stand-in tsbuildinfo. The bundle only with a stamp
 * that matches its files' mtime and size; dist/src under a source-map, debugger or watch run, or ISO8583_NO_BUNDLE=1.
 * startup-modules-bundle.test.ts checks the real bundle's loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { BIN, watchChild } from './cli-process.js';

/** The stand-in tsbuildinfo's mtime, in whole seconds (its mtimeMs then has no fraction for the stamp to miss). */
const MTIME = 1_700_000_000;

/** A folder with a copy of bin/iso8583.js, a stand-in of dist/src and of the bundle, and a stamp that is current. */
function layout(t: { after(fn: () => void): void }): { bin: string; info: string } {
  const root = mkdtempSync(join(tmpdir(), 'bin-bundle-choice-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const dir of ['bin', 'dist/src', 'dist/bundle']) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  const bin = join(root, 'bin', 'iso8583.js');
  copyFileSync(BIN, bin);
  for (const which of ['src', 'bundle']) {
    writeFileSync(join(root, 'dist', which, 'main.js'), `export async function main() { process.stdout.write('${which}\\n'); return 0; }\n`);
  }
  const info = join(root, 'dist', 'tsconfig.tsbuildinfo');
  writeFileSync(info, '{"version":"1"}');
  utimesSync(info, MTIME, MTIME);
  writeFileSync(join(root, 'dist', 'bundle', 'stamp.json'), JSON.stringify({ 'dist/tsconfig.tsbuildinfo': { mtimeMs: MTIME * 1000, size: 15 } }));
  return { bin, info };
}

/** Which `main` the script at `bin` loaded for `command`: 'bundle', 'bundle-run' or 'src'. */
async function loaded(bin: string, nodeArgs: string[] = [], env: Record<string, string> = {}, command = '--version'): Promise<string> {
  const child = spawn(process.execPath, [...nodeArgs, bin, command], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const watched = watchChild(child);
  const code = await within(watched.exited, 20_000, `the script did not end; stderr: ${watched.stderr}`);
  assert.equal(code, 0, watched.stderr);
  return watched.stdout.trim();
}

test('bin/iso8583.js loads the bundle when its stamp matches the tsbuildinfo', async (t) => {
  const { bin } = layout(t);
  assert.equal(await loaded(bin), 'bundle');
});

test('bin/iso8583.js loads dist/src when a tsbuildinfo has the mtime its stamp recorded but another size', async (t) => {
  const { bin, info } = layout(t);
  writeFileSync(info, '{"version":"1","more":true}');
  utimesSync(info, MTIME, MTIME);
  assert.equal(await loaded(bin), 'src');
});

test('bin/iso8583.js loads dist/src with source maps, a debugger, --watch or ISO8583_NO_BUNDLE=1', async (t) => {
  const { bin } = layout(t);
  assert.equal(await loaded(bin, ['--enable-source-maps']), 'src', '--enable-source-maps');
  assert.equal(await loaded(bin, [], { NODE_OPTIONS: '--enable-source-maps' }), 'src', 'NODE_OPTIONS=--enable-source-maps');
  assert.equal(await loaded(bin, ['--inspect=127.0.0.1:0']), 'src', '--inspect');
  // What `node --watch` leaves in the process it runs (neither --watch in execArgv nor in NODE_OPTIONS).
  assert.equal(await loaded(bin, [], { WATCH_REPORT_DEPENDENCIES: '1' }), 'src', 'a process run by --watch');
  assert.equal(await loaded(bin, [], { ISO8583_NO_BUNDLE: '1' }), 'src', 'ISO8583_NO_BUNDLE=1');
  assert.equal(await loaded(bin, [], { ISO8583_NO_BUNDLE: '' }), 'bundle', 'ISO8583_NO_BUNDLE empty');
});

test('bin/iso8583.js loads dist/bundle-run for run, and dist/src when a current stamp has no bundle-run beside it', async (t) => {
  const { bin } = layout(t);
  const root = join(bin, '..', '..');
  // A stamp from a build before `run` had a bundle of its own: `run` must not import a file that is not there.
  assert.equal(await loaded(bin, [], {}, 'run'), 'src', 'no dist/bundle-run');
  mkdirSync(join(root, 'dist', 'bundle-run'));
  writeFileSync(join(root, 'dist', 'bundle-run', 'main.js'), "export async function main() { process.stdout.write('bundle-run\\n'); return 0; }\n");
  assert.equal(await loaded(bin, [], {}, 'run'), 'bundle-run');
  assert.equal(await loaded(bin), 'bundle', 'the other commands keep dist/bundle');
});
