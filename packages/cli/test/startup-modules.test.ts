/**
 * What a command loads before it is ready: the modules a command does not use stay unloaded (checked by the CommonJS
 * modules a child process holds), so that `iso8583` starts with less CPU. Behaviour is covered elsewhere; this keeps
 * an eager import from coming back unnoticed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fastify } from 'fastify';
import { lazySchemaCompilers } from '../src/http/schema-compilers.js';
import { startCli } from './cli-process.js';

/**
 * The node_modules packages (CommonJS) a child process has loaded after running `body` (an ES module's text), `input`
 * on its stdin. The list is the last line of its stdout (after whatever the body wrote); then the child exits.
 */
function loadedPackages(body: string, input = ''): Set<string> {
  const script = `${body}
const { createRequire } = await import('node:module');
const names = Object.keys(createRequire(import.meta.url).cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(.*)$/.exec(f)).filter((m) => m !== null).map((m) => m[1] + (m[1] === 'fast-json-stringify' ? '/' + m[2] : ''));
(await import('node:fs')).writeSync(1, '\\n' + JSON.stringify([...new Set(names)]));
process.exit(0);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', input });
  return new Set(JSON.parse(out.slice(out.lastIndexOf('\n') + 1)) as string[]);
}

/**
 * The packages the real `iso8583 ...args` has loaded once it is ready: when it writes a line matching `ready` to
 * stdout (a server's listening line), or when it ends (a one-shot command).
 */
function commandPackages(args: string[], ready: RegExp | undefined, input = ''): Set<string> {
  return loadedPackages(
    `const { main } = await import(${src('main.js')});
await new Promise((done) => {
  const ready = ${ready === undefined ? 'undefined' : ready.toString()};
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk, ...rest) => { if (ready !== undefined && ready.test(String(chunk))) done(); return write(chunk, ...rest); };
  main(${JSON.stringify(args)}).then((code) => { if (code !== 0) process.stderr.write('exit code ' + code + '\\n'); done(); }, done);
});`,
    input,
  );
}

const src = (path: string): string => JSON.stringify(new URL(`../src/${path}`, import.meta.url).href);

test('decode and encode load no schema checker, no metrics, no logger and no PostgreSQL driver', () => {
  const loaded = loadedPackages(`await import(${src('commands/decode.js')}); await import(${src('commands/encode.js')});`);
  for (const name of ['ajv', 'prom-client', 'pg', 'pino', 'fastify']) assert.ok(!loaded.has(name), `${name} is loaded`);
});

test('importing the connector loads no PostgreSQL driver and no prom-client; making a PostgreSQL store loads pg', () => {
  const connector = JSON.stringify(import.meta.resolve('@iso8583/connector'));
  const imported = loadedPackages(`await import(${connector});`);
  for (const name of ['pg', 'prom-client', '@opentelemetry/api']) assert.ok(!imported.has(name), `${name} is loaded by the import`);
  const made = loadedPackages(`const { PgTransactionLog } = await import(${connector});
new PgTransactionLog({ connectionString: 'postgresql://iso8583@127.0.0.1:1/none' });`);
  assert.ok(made.has('pg'), 'a PostgreSQL store loads pg');
});

test('simulate-host, until it listens, loads neither the connector nor PostgreSQL nor Fastify nor prom-client', () => {
  const loaded = commandPackages(['simulate-host', '--port', '0'], /^listening on /);
  assert.ok(loaded.has('pino'), 'the simulator started');
  for (const name of ['generic-pool', 'pg', 'fastify', 'pino-pretty', 'prom-client', '@opentelemetry/api']) assert.ok(!loaded.has(name), `${name} is loaded`);
});

test('gateway without --store, until it listens, loads no PostgreSQL driver', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'startup-gateway-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const args = ['gateway', '--upstream', '127.0.0.1:1', '--listen', '0', '--http', '0', '--reversal-journal', dir, '--log-level', 'silent'];
  const loaded = commandPackages(args, /^gateway listening /);
  assert.ok(loaded.has('fastify'), 'the gateway started');
  for (const name of ['pg', 'pino-pretty']) assert.ok(!loaded.has(name), `${name} is loaded`);
});

test('send loads no PostgreSQL driver, no Fastify and no prom-client', async (t) => {
  const host = await startCli(['simulate-host', '--port', '0']);
  t.after(() => host.stop());
  const loaded = commandPackages(['send', '--port', String(host.port)], undefined, '{"0":"0800","11":"000001","41":"TERM0001","70":"301"}');
  assert.ok(loaded.has('generic-pool'), 'the connector was loaded');
  for (const name of ['pg', 'fastify', 'pino-pretty', 'prom-client', '@opentelemetry/api']) assert.ok(!loaded.has(name), `${name} is loaded`);
});

test('--help loads no package', () => {
  assert.deepEqual([...commandPackages(['--help'], undefined)], []);
});

test('run, until its flow is ready, loads no PostgreSQL driver', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'startup-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const flow = join(dir, 'flow.json');
  writeFileSync(flow, JSON.stringify({ name: 'mini', inboundEndpoints: { host: { port: 0, sequence: 'host-simulator' } } }));
  const loaded = commandPackages(['run', flow], /^flow mini ready/);
  assert.ok(loaded.has('pino'), 'the flow started');
  for (const name of ['pg', 'pino-pretty']) assert.ok(!loaded.has(name), `${name} is loaded`);
});

test("the HTTP application loads Fastify's schema compilers only for a route with a schema; a JSON log no pino-pretty", () => {
  const loaded = loadedPackages(`
const { assembleHttp } = await import(${src('http/app.js')});
const { createLogger } = await import(${src('logger.js')});
const app = await assembleHttp({ connectors: {} });
await app.app.close();
createLogger({ level: 'info', format: 'json' }).logger.info('started');`);
  assert.ok(loaded.has('fastify'), 'the application was built');
  for (const name of ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'fast-json-stringify/index.js', 'pino-pretty']) {
    assert.ok(!loaded.has(name), `${name} is loaded`);
  }
  const pretty = loadedPackages(`const { createLogger } = await import(${src('logger.js')}); createLogger({ level: 'silent', format: 'pretty' });`);
  assert.ok(pretty.has('pino-pretty'), 'a pretty log loads pino-pretty');
});

test("a route with a schema is validated and serialized by Fastify's own compilers, loaded on demand", async (t) => {
  const app = fastify({ schemaController: lazySchemaCompilers() });
  t.after(() => app.close());
  const schema = {
    querystring: { type: 'object', properties: { n: { type: 'integer' } } },
    response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
  };
  app.get('/n', { schema }, async (request) => ({ n: (request.query as { n: number }).n, extra: 'dropped by the serializer' }));
  const ok = await app.inject('/n?n=5');
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.body, '{"n":5}');
  const bad = await app.inject('/n?n=five');
  assert.equal(bad.statusCode, 400);
  assert.equal((JSON.parse(bad.body) as { code: string }).code, 'FST_ERR_VALIDATION');
});
