/**
 * The real `iso8583` binary loads the build's bundle (scripts/bundle-cli.mjs): its workspace code from a few files of
 * dist/bundle, not ~500 of dist/src, which was most of a start's CPU. The bundle keeps the commands lazy (a one-shot
 * command loads no server code), and `run` keeps dist/src (its sequence modules share the packages with it).
 * startup-modules.test.ts checks what each command loads from dist/src; this checks the binary as it is started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { BIN } from './cli-process.js';

const BUNDLE = new URL('../bundle/', import.meta.url).href;
const DIST_SRC = new URL('../src/', import.meta.url).href;

/** What a start of the binary loaded: the URLs of its ES modules, and the npm packages of its CommonJS modules. */
interface Loaded {
  modules: string[];
  packages: Set<string>;
}

/**
 * Starts `node BIN ...args` with a preload that lists what it loads (a module loader hook, and the CommonJS cache at
 * the end); it ends on its own, or (given `ready`) once it writes a line matching `ready` to stdout.
 */
async function binaryLoads(t: TestContext, args: string[], ready?: RegExp, input = ''): Promise<Loaded> {
  const dir = mkdtempSync(join(tmpdir(), 'startup-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const modules = join(dir, 'modules.txt');
  const packages = join(dir, 'packages.json');
  const hooks = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) { appendFileSync(${JSON.stringify(modules)}, url + '\\n'); return next(url, context); }`;
  const preload = `import { createRequire, register } from 'node:module';
import { writeFileSync } from 'node:fs';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
const ready = ${ready === undefined ? 'undefined' : ready.toString()};
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => { if (ready !== undefined && ready.test(String(chunk))) process.exit(0); return write(chunk, ...rest); };
process.on('exit', () => {
  const names = Object.keys(createRequire(${JSON.stringify(packages)}).cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f)?.[1]).filter((n) => n !== undefined);
  writeFileSync(${JSON.stringify(packages)}, JSON.stringify([...new Set(names)]));
});`;
  await new Promise<void>((resolve, reject) => {
    const child = execFile(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(preload)}`, BIN, ...args], { encoding: 'utf8' }, (err, _stdout, stderr) => {
      if (err !== null) reject(new Error(`${err.message}\nstderr: ${stderr}`));
      else resolve();
    });
    child.stdin?.end(input);
  });
  return {
    modules: readFileSync(modules, 'utf8').split('\n').filter((url) => url !== ''),
    packages: new Set(JSON.parse(readFileSync(packages, 'utf8')) as string[]),
  };
}

/** The workspace modules (packages/*) among `urls`. */
const workspace = (urls: string[]): string[] => urls.filter((url) => url.includes('/packages/') && !url.includes('/node_modules/'));

test('iso8583 decode loads its code from the bundle, a few files, and no server code', async (t) => {
  const { modules, packages } = await binaryLoads(t, ['decode', '--input', 'hex'], undefined, '30383030383232303030303030303030303030303034303030303030303030303030303031323037313132323333303030303031333031');
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
  const { modules, packages } = await binaryLoads(t, ['gateway', '--upstream', `127.0.0.1:${(bank.address() as AddressInfo).port}`, '--listen', '0',
    '--bind', '127.0.0.1', '--http', '0', '--no-transaction-log', '--reversal-journal', join(dir, 'journal'), '--log-level', 'silent'], /^gateway listening /);
  const ours = workspace(modules).filter((url) => !url.endsWith('/bin/iso8583.js'));
  assert.deepEqual(ours.filter((url) => !url.startsWith(BUNDLE)), [], 'the gateway loads workspace modules outside the bundle');
  assert.ok(ours.length <= 80, `the gateway loads ${ours.length} files of the bundle`);
  assert.ok(packages.has('fastify') && packages.has('pino'), 'the gateway started its HTTP port and its log');
});

test('iso8583 run loads dist/src, not the bundle: its sequence modules import the same packages', async (t) => {
  const { modules } = await binaryLoads(t, ['run', '--help']);
  const ours = workspace(modules).filter((url) => !url.endsWith('/bin/iso8583.js'));
  assert.deepEqual(ours.filter((url) => url.startsWith(BUNDLE)), [], 'run loads the bundle');
  assert.ok(ours.some((url) => url.startsWith(DIST_SRC)), 'run loads the command from dist/src');
});
