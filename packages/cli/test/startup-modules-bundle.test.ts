/**
 * The real `iso8583` binary loads the build's bundle (scripts/bundle-cli.mjs): its workspace code from a few files of
 * dist/bundle, not ~500 of dist/src, which was most of a start's CPU. The bundle keeps the commands lazy (a one-shot
 * command loads no server code); `run` loads its own bundle, dist/bundle-run, whose packages (@iso8583/*) are those of
 * their dist, which a flow's sequence modules import (run-sequence-one-copy.test.ts); a process with a preload keeps
 * dist/src (the preload may patch or watch the modules there).
 * startup-modules.test.ts checks what each command loads from dist/src; this checks the binary as it is started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, within } from '@iso8583/test-support';
import { BIN, stopWhenPrinted, watchChild } from './cli-process.js';

const BUNDLE = new URL('../bundle/', import.meta.url).href;
const DIST_SRC = new URL('../src/', import.meta.url).href;
const RUN_BUNDLE = new URL('../bundle-run/', import.meta.url).href;
/** Milliseconds a one-shot command may take to end (a bound on the wait, failing with a message: never a timing). */
const END_DEADLINE = 20_000;

/** What a start of the binary loaded: the URLs of its ES modules, and the npm packages of its CommonJS modules. */
interface Loaded {
  modules: string[];
  packages: Set<string>;
}

/**
 * Starts `node BIN ...args` with Node's module debug lines on (`NODE_DEBUG=esm,module`: no preload, which would make
 * the binary load dist/src) and lists what it loaded, read from all it wrote to stderr once it has ended: a one-shot
 * command at its end, a server (given `ready`) once it wrote `ready` to stdout, then stopped (SIGTERM). Each wait is
 * bounded (a hung start fails with a message). `nodeArgs` go to node before the script.
 */
async function binaryLoads(args: string[], ready?: string, input = '', nodeArgs: string[] = []): Promise<Loaded> {
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { env: { ...process.env, NODE_DEBUG: 'esm,module' }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(input);
  let ended: { code: number | null; stderr: string };
  try {
    if (ready !== undefined) {
      ended = await stopWhenPrinted(child, ready, { ready: `iso8583 ${args[0]} did not print ${ready}`, exit: `iso8583 ${args[0]} did not end after SIGTERM` });
    } else {
      const watched = watchChild(child);
      const code = await within(watched.exited, END_DEADLINE, `iso8583 ${args[0]} did not end; stderr: ${watched.stderr.slice(-2000)}`);
      ended = { code, stderr: watched.stderr };
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  const { code, stderr } = ended;
  if (code !== 0) throw new Error(`iso8583 ${args[0]} exited ${code}: ${stderr.slice(-2000)}`);
  return {
    modules: [...new Set([...stderr.matchAll(/Storing (file:\/\/\S+) .*in ModuleLoadMap/g)].map((m) => m[1] as string))],
    packages: new Set([...stderr.matchAll(/load "[^"]*\/node_modules\/((?:@[^/]+\/)?[^/"]+)\//g)].map((m) => m[1] as string)),
  };
}

/** The workspace modules (packages/*) among `urls`. */
const workspace = (urls: string[]): string[] => urls.filter((url) => url.includes('/packages/') && !url.includes('/node_modules/'));

test('iso8583 decode loads its code from the bundle, a few files, and no server code', async () => {
  const { modules, packages } = await binaryLoads(['decode', '--input', 'hex'], undefined, '30383030383232303030303030303030303030303034303030303030303030303030303031323037313132323333303030303031333031');
  const ours = workspace(modules).filter((url) => !url.endsWith('/bin/iso8583.js'));
  assert.deepEqual(ours.filter((url) => !url.startsWith(BUNDLE)), [], 'decode loads workspace modules outside the bundle');
  assert.ok(ours.length > 0 && ours.length <= 30, `decode loads ${ours.length} files of the bundle`);
  for (const name of ['fastify', 'pino', 'prom-client', 'pg', 'ajv', 'generic-pool']) assert.ok(!packages.has(name), `decode loads ${name}`);
});

test('iso8583 gateway, started and stopped, loads its code from the bundle: tens of files, not hundreds', async (t) => {
  const bank = createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => bank.listen(0, '127.0.0.1', resolve));
  t.after(() => bank.close());
  const dir = mkdtempSync(join(tmpdir(), 'startup-bundle-gw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { modules, packages } = await binaryLoads(['gateway', '--upstream', `127.0.0.1:${(bank.address() as AddressInfo).port}`, '--listen', '0',
    '--bind', '127.0.0.1', '--http', '0', '--no-transaction-log', '--reversal-journal', join(dir, 'journal'), '--log-level', 'silent'], 'listening pos=');
  const ours = workspace(modules).filter((url) => !url.endsWith('/bin/iso8583.js'));
  assert.deepEqual(ours.filter((url) => !url.startsWith(BUNDLE)), [], 'the gateway loads workspace modules outside the bundle');
  assert.ok(ours.length > 0 && ours.length <= 80, `the gateway loads ${ours.length} files of the bundle`);
  assert.ok(packages.has('fastify') && packages.has('pino'), 'the gateway started its HTTP port and its log');
});

test('iso8583 run loads its own code from the run bundle and the packages from their dist: its sequence modules import the same', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'startup-bundle-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const flow = join(dir, 'flow.json');
  writeFileSync(flow, JSON.stringify({ name: 'mini', inboundEndpoints: { host: { port: 0, host: '127.0.0.1', sequence: 'host-simulator' } } }));
  const { modules } = await binaryLoads(['run', flow], 'flow mini ready');
  const ours = workspace(modules).filter((url) => !url.endsWith('/bin/iso8583.js'));
  assert.deepEqual(ours.filter((url) => url.startsWith(BUNDLE) || url.startsWith(DIST_SRC)), [], 'run loads the bundle of the other commands or dist/src');
  const own = ours.filter((url) => url.startsWith(RUN_BUNDLE));
  assert.ok(own.length > 0 && own.length <= 80, `run loads ${own.length} files of its bundle`);
  const packages = ours.filter((url) => !url.startsWith(RUN_BUNDLE));
  assert.ok(packages.some((url) => url.includes('/packages/codec/dist/src/')), 'run loads @iso8583/codec from its dist');
  assert.deepEqual(packages.filter((url) => !/\/packages\/(codec|connector|inbound|metrics)\/dist\/src\//.test(url)), [], 'run loads workspace code from elsewhere');
});

test('iso8583 with a preload loads dist/src, not the bundle: the preload may patch or watch the packages there', async () => {
  const { modules } = await binaryLoads(['--version'], undefined, '', ['--import', 'data:text/javascript,export {}']);
  const ours = workspace(modules).filter((url) => !url.endsWith('/bin/iso8583.js'));
  assert.deepEqual(ours.filter((url) => url.startsWith(BUNDLE)), [], 'a start with a preload loads the bundle');
  assert.ok(ours.some((url) => url.startsWith(DIST_SRC)), 'a start with a preload loads the command from dist/src');
});

/** Runs the build's last step (scripts/bundle-cli.mjs) with `env` added; its exit code and stdout, within a deadline. */
async function bundleBuild(t: { after(fn: () => void): void }, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string }> {
  const script = join(repoRoot(), 'scripts', 'bundle-cli.mjs');
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  const watched = watchChild(child);
  const code = await within(watched.exited, 60_000, `bundle-cli did not end; stderr: ${watched.stderr}`);
  return { code, stdout: watched.stdout };
}

test('a rebuild of the bundle keeps the files a running command may still load; an old one no build references goes', async (t) => {
  const dir = fileURLToPath(BUNDLE);
  const before = readdirSync(dir);
  // A chunk of an earlier build that a running gateway may load later (lazily, its failed stop's error text), and one
  // left by a build of two days ago.
  const recent = join(dir, 'error-text-EARLIER0.js');
  const old = join(dir, 'error-text-EARLIER1.js');
  t.after(() => rmSync(recent, { force: true }));
  t.after(() => rmSync(old, { force: true }));
  writeFileSync(recent, 'export {};\n');
  writeFileSync(old, 'export {};\n');
  const twoDaysAgo = Date.now() / 1000 - 2 * 24 * 3600;
  utimesSync(old, twoDaysAgo, twoDaysAgo);
  const { code } = await bundleBuild(t);
  assert.equal(code, 0);
  const after = new Set(readdirSync(dir));
  assert.deepEqual(before.filter((name) => !after.has(name)), [], 'the rebuild removed files of the bundle it replaced');
  assert.ok(after.has('error-text-EARLIER0.js'), "the rebuild removed an earlier build's chunk at once");
  assert.ok(!after.has('error-text-EARLIER1.js'), "the rebuild kept an earlier build's chunk of two days ago");
  assert.ok(![...after].some((name) => name.endsWith('.tmp')), 'the rebuild left a temporary file');
});

test('a bundle build that esbuild cannot run writes no stamp and exits 0: the command runs from dist/src', async (t) => {
  const stamp = join(fileURLToPath(BUNDLE), 'stamp.json');
  // The rebuild that follows restores the bundle (the next test file may time the binary with it).
  t.after(async () => {
    const { code } = await bundleBuild(t);
    assert.equal(code, 0);
    assert.ok(existsSync(stamp), 'the rebuild wrote no stamp');
  });
  // An esbuild binary that is no esbuild (Node itself, which refuses esbuild's flags): its build fails, as with the
  // platform's binary missing.
  const { code, stdout } = await bundleBuild(t, { ESBUILD_BINARY_PATH: process.execPath });
  assert.equal(code, 0, 'the failed bundle failed the build');
  assert.match(stdout, /^bundle-cli: esbuild failed \(.*\); iso8583 runs from dist\/src\n$/);
  assert.ok(!existsSync(stamp), 'a failed bundle build left a stamp');
  const { modules } = await binaryLoads(['--version']);
  const ours = workspace(modules).filter((url) => !url.endsWith('/bin/iso8583.js'));
  assert.deepEqual(ours.filter((url) => url.startsWith(BUNDLE)), [], 'without a stamp the binary loads the bundle');
  assert.ok(ours.some((url) => url.startsWith(DIST_SRC)), 'without a stamp the binary loads dist/src');
});
