/**
 * What a command loads before it is ready: the modules a command does not use stay unloaded (checked by the CommonJS
 * modules a child process holds), so that `iso8583` starts with less CPU. Behaviour is covered elsewhere; this keeps
 * an eager import from coming back unnoticed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fastify } from 'fastify';
import { lazySchemaCompilers } from '../src/http/schema-compilers.js';

/** The node_modules packages (CommonJS) a child process has loaded after running `body` (an ES module's text). */
function loadedPackages(body: string): Set<string> {
  const script = `${body}
const { createRequire } = await import('node:module');
const names = Object.keys(createRequire(import.meta.url).cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(.*)$/.exec(f)).filter((m) => m !== null).map((m) => m[1] + (m[1] === 'fast-json-stringify' ? '/' + m[2] : ''));
process.stdout.write(JSON.stringify([...new Set(names)]));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return new Set(JSON.parse(out) as string[]);
}

const src = (path: string): string => JSON.stringify(new URL(`../src/${path}`, import.meta.url).href);

test('decode and encode load no schema checker, no metrics, no logger and no PostgreSQL driver', () => {
  const loaded = loadedPackages(`await import(${src('commands/decode.js')}); await import(${src('commands/encode.js')});`);
  for (const name of ['ajv', 'prom-client', 'pg', 'pino', 'fastify']) assert.ok(!loaded.has(name), `${name} is loaded`);
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
