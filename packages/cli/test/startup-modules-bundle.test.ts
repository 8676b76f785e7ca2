/**
 * The real `iso8583` binary loads the build's bundle (scripts/bundle-cli.mjs): its workspace code from a few files of
 * dist/bundle, not ~500 of dist/src, which was most of a start's CPU. The bundle keeps the commands lazy (a one-shot
 * command loads no server code); `run` and a process with a preload keep dist/src (a flow's sequence modules, or the
 * preload, use the packages there).
 * startup-modules.test.ts checks what each command loads from dist/src; this checks the binary as it is started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './cli-process.js';

const BUNDLE = new URL('../bundle/', import.meta.url).href;
const DIST_SRC = new URL('../src/', import.meta.url).href;

/** What a start of the binary loaded: the URLs of its ES modules, and the npm packages of its CommonJS modules. */
interface Loaded {
  modules: string[];
  packages: Set<string>;
}

/**
 * Starts `node BIN ...args` with Node's module debug lines on (`NODE_DEBUG=esm,module`: no preload, which would make
 * the binary load dist/src) and lists what it loaded: until it ends, or (given `ready`) until it writes a line matching
 * `ready` to stdout, when it is stopped (SIGTERM) and awaited. `nodeArgs` go to node before the script.
 */
async function binaryLoads(args: string[], ready?: RegExp, input = '', nodeArgs: string[] = []): Promise<Loaded> {
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { env: { ...process.env, NODE_DEBUG: 'esm,module' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let seen: string | undefined;
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
    if (ready !== undefined && seen === undefined && ready.test(stdout)) {
      seen = stderr;
      child.kill('SIGTERM');
    }
  });
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  child.stdin.end(input);
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`iso8583 ${args[0]} exited ${code}: ${stderr.slice(-2000)}`);
  if (ready !== undefined && seen === undefined) throw new Error(`iso8583 ${args[0]} ended before ${ready}`);
  const lines = seen ?? stderr;
  return {
    modules: [...new Set([...lines.matchAll(/Storing (file:\/\/\S+) .*in ModuleLoadMap/g)].map((m) => m[1] as string))],
    packages: new Set([...lines.matchAll(/load "[^"]*\/node_modules\/((?:@[^/]+\/)?[^/"]+)\//g)].map((m) => m[1] as string)),
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

test('iso8583 gateway, until it listens, loads its code from the bundle: tens of files, not hundreds', async (t) => {
  const bank = createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => bank.listen(0, '127.0.0.1', resolve));
  t.after(() => bank.close());
  const dir = mkdtempSync(join(tmpdir(), 'startup-bundle-gw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { modules, packages } = await binaryLoads(['gateway', '--upstream', `127.0.0.1:${(bank.address() as AddressInfo).port}`, '--listen', '0',
    '--bind', '127.0.0.1', '--http', '0', '--no-transaction-log', '--reversal-journal', join(dir, 'journal'), '--log-level', 'silent'], /^gateway listening /);
  const ours = workspace(modules).filter((url) => !url.endsWith('/bin/iso8583.js'));
  assert.deepEqual(ours.filter((url) => !url.startsWith(BUNDLE)), [], 'the gateway loads workspace modules outside the bundle');
  assert.ok(ours.length > 0 && ours.length <= 80, `the gateway loads ${ours.length} files of the bundle`);
  assert.ok(packages.has('fastify') && packages.has('pino'), 'the gateway started its HTTP port and its log');
});

test('iso8583 run loads dist/src, not the bundle: its sequence modules import the same packages', async () => {
  const { modules } = await binaryLoads(['run', '--help']);
  const ours = workspace(modules).filter((url) => !url.endsWith('/bin/iso8583.js'));
  assert.deepEqual(ours.filter((url) => url.startsWith(BUNDLE)), [], 'run loads the bundle');
  assert.ok(ours.some((url) => url.startsWith(DIST_SRC)), 'run loads the command from dist/src');
});

test('iso8583 with a preload loads dist/src, not the bundle: the preload may patch or watch the packages there', async () => {
  const { modules } = await binaryLoads(['--version'], undefined, '', ['--import', 'data:text/javascript,export {}']);
  const ours = workspace(modules).filter((url) => !url.endsWith('/bin/iso8583.js'));
  assert.deepEqual(ours.filter((url) => url.startsWith(BUNDLE)), [], 'a start with a preload loads the bundle');
  assert.ok(ours.some((url) => url.startsWith(DIST_SRC)), 'a start with a preload loads the command from dist/src');
});
