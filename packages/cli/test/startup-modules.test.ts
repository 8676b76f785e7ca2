/**
 * What a command loads before it is ready: the modules a command does not use stay unloaded (checked by the CommonJS
 * modules a child process holds), so that `iso8583` starts with less CPU. Behaviour is covered elsewhere; this keeps
 * an eager import from coming back unnoticed. The children run side by side (they share nothing); where two checks
 * differ only by a step taken after the first (a store made after the import, a pretty log after the JSON one), one
 * child lists its packages before and after that step.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fastify } from 'fastify';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { lazySchemaCompilers } from '../src/http/schema-compilers.js';

/** The start of the line a child writes its loaded packages on (JSON after it). */
const LISTED = 'loaded packages: ';

/**
 * The node_modules packages (CommonJS) a child process has loaded after running `body` (an ES module's text), `input`
 * on its stdin (ajv's small runtime helpers, which checks generated at build time call, as `ajv/dist/runtime`; `ajv`
 * is its schema compiler): one set for each `listLoaded()` the body calls, then one at its end; then the child exits.
 */
async function loadedLists(body: string, input = ''): Promise<Set<string>[]> {
  const script = `import { createRequire as listRequire } from 'node:module';
import { writeSync as listWrite } from 'node:fs';
const listLoaded = () => {
  const names = Object.keys(listRequire(import.meta.url).cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(.*)$/.exec(f)).filter((m) => m !== null).map((m) => m[1] + (m[1] === 'fast-json-stringify' ? '/' + m[2] : m[1] === 'ajv' && m[2].startsWith('dist/runtime/') ? '/dist/runtime' : ''));
  listWrite(1, '\\n${LISTED}' + JSON.stringify([...new Set(names)]) + '\\n');
};
${body}
listLoaded();
process.exit(0);`;
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${err.message}\nstderr: ${stderr}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
  return out.split('\n').filter((line) => line.startsWith(LISTED)).map((line) => new Set(JSON.parse(line.slice(LISTED.length)) as string[]));
}

/** The packages a child has loaded after running `body`, listed at its end. */
async function loadedPackages(body: string, input = ''): Promise<Set<string>> {
  const lists = await loadedLists(body, input);
  assert.equal(lists.length, 1, 'one list of packages');
  return lists[0] as Set<string>;
}

/**
 * The packages the real `iso8583 ...args` has loaded once it is ready: when it writes a line matching `ready` to
 * stdout (a server's listening line), or when it ends (a one-shot command).
 */
function commandPackages(args: string[], ready: RegExp | undefined, input = ''): Promise<Set<string>> {
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

/**
 * The ES modules (their URLs) the real `iso8583 ...args` loads from its start to its end (or, given `ready`, until it
 * writes a line matching it to stdout: a server's listening line), listed by a module loader hook the child registers
 * before it imports the command.
 */
async function commandModules(args: string[], ready?: RegExp): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'startup-modules-'));
  try {
    const list = join(dir, 'modules.txt');
    const hooks = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) { appendFileSync(${JSON.stringify(list)}, url + '\\n'); return next(url, context); }`;
    const script = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
const ready = ${ready === undefined ? 'undefined' : ready.toString()};
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => { if (ready !== undefined && ready.test(String(chunk))) process.exit(0); return write(chunk, ...rest); };
const { main } = await import(${src('main.js')});
process.exitCode = await main(${JSON.stringify(args)});`;
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }, (err, _stdout, stderr) => {
        // A refused command line exits 2: its modules are listed all the same.
        if (err !== null && err.code !== 2) reject(new Error(`${err.message}\nstderr: ${stderr}`));
        else resolve();
      });
    });
    return readFileSync(list, 'utf8').split('\n').filter((url) => url !== '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('what a command loads before it is ready', { concurrency: true }, () => {
  test('decode and encode load no schema checker, no metrics, no logger and no PostgreSQL driver', async () => {
    const loaded = await loadedPackages(`await import(${src('commands/decode.js')}); await import(${src('commands/encode.js')});`);
    for (const name of ['ajv', 'prom-client', 'pg', 'pino', 'fastify']) assert.ok(!loaded.has(name), `${name} is loaded`);
  });

  test('importing the connector loads no PostgreSQL driver and no prom-client; making a PostgreSQL store loads pg', async () => {
    const connector = JSON.stringify(import.meta.resolve('@iso8583/connector'));
    const [imported, made] = await loadedLists(`const { PgTransactionLog } = await import(${connector});
listLoaded();
new PgTransactionLog({ connectionString: 'postgresql://iso8583@127.0.0.1:1/none' });`);
    for (const name of ['pg', 'prom-client', '@opentelemetry/api']) assert.ok(!imported?.has(name), `${name} is loaded by the import`);
    assert.ok(made?.has('pg'), 'a PostgreSQL store loads pg');
  });

  test('simulate-host, until it listens, loads neither the connector nor PostgreSQL nor Fastify nor prom-client', async () => {
    const loaded = await commandPackages(['simulate-host', '--port', '0'], /^listening on /);
    assert.ok(loaded.has('pino'), 'the simulator started');
    for (const name of ['generic-pool', 'pg', 'fastify', 'pino-pretty', 'prom-client', '@opentelemetry/api']) assert.ok(!loaded.has(name), `${name} is loaded`);
  });

  test('gateway without --store, until it listens, loads no PostgreSQL driver and no schema compiler', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'startup-gateway-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const args = ['gateway', '--upstream', '127.0.0.1:1', '--listen', '0', '--http', '0', '--reversal-journal', dir, '--log-level', 'silent'];
    const loaded = await commandPackages(args, /^gateway listening /);
    assert.ok(loaded.has('fastify'), 'the gateway started');
    // The flags, the connector's and the endpoint's options are checked by code generated at build time.
    for (const name of ['pg', 'pino-pretty', 'ajv']) assert.ok(!loaded.has(name), `${name} is loaded`);
  });

  test('gateway --no-http, until it listens, loads no Fastify; with --metrics, its listener loads it', async (t) => {
    // Each start its own journal: the two run at once, and a journal is one process's at a time.
    const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'startup-no-http-')));
    t.after(() => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });
    const args = (dir: string): string[] => ['gateway', '--upstream', '127.0.0.1:1', '--listen', '0', '--no-http', '--reversal-journal', dir, '--log-level', 'silent'];
    const [plain, metrics] = await Promise.all([
      commandPackages(args(dirs[0]!), /^gateway listening .*http=off/),
      commandPackages([...args(dirs[1]!), '--metrics', '0'], /^gateway listening .*http=off metrics=/),
    ]);
    assert.ok(plain.has('generic-pool'), 'the gateway started');
    for (const name of ['fastify', 'avvio', 'find-my-way', 'light-my-request']) assert.ok(!plain.has(name), `${name} is loaded without --http`);
    assert.ok(metrics.has('fastify'), 'the --metrics listener loads Fastify');
  });

  test('gateway without --stats-port, until it listens, loads no stats port server nor the host simulator; with it, loads it', async (t) => {
    // Each start its own journal: the two run at once, and a journal is one process's at a time.
    const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'startup-gateway-modules-')));
    t.after(() => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });
    const args = (dir: string): string[] =>
      ['gateway', '--upstream', '127.0.0.1:1', '--listen', '0', '--http', '0', '--reversal-journal', dir, '--log-level', 'silent'];
    const [plain, stats] = await Promise.all([
      commandModules(args(dirs[0]!), /^gateway listening /),
      commandModules([...args(dirs[1]!), '--stats-port', '0'], /^gateway listening /),
    ]);
    const statsServer = (urls: string[]): boolean => urls.some((url) => url.endsWith('/cli/dist/src/gateway/stats-port.js'));
    assert.ok(plain.some((url) => url.endsWith('/cli/dist/src/gateway/gateway.js')), 'the gateway started');
    assert.ok(!statsServer(plain), 'a start without --stats-port loads gateway/stats-port.js');
    assert.ok(statsServer(stats), 'a start with --stats-port loads gateway/stats-port.js');
    // The POS endpoint by its own entry point (@iso8583/inbound/endpoint): not the host simulator the package index loads.
    assert.deepEqual(plain.filter((url) => /\/inbound\/dist\/src\/(index\.js|host-simulator\/)/.test(url)), [], 'the gateway loads the host simulator');
  });

  test('send loads no PostgreSQL driver, no Fastify and no prom-client', async (t) => {
    // The host: the simulator of `simulate-host`, in this process (what send loads does not depend on it).
    const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
    const { port } = await host.start();
    t.after(() => host.close());
    const loaded = await commandPackages(['send', '--port', String(port)], undefined, '{"0":"0800","11":"000001","41":"TERM0001","70":"301"}');
    assert.ok(loaded.has('generic-pool'), 'the connector was loaded');
    for (const name of ['pg', 'fastify', 'pino-pretty', 'prom-client', '@opentelemetry/api']) assert.ok(!loaded.has(name), `${name} is loaded`);
  });

  test('gateway --help, a gateway command line refused and run --help load no server code: no Fastify, pino, prom-client, connector or schema checker', async () => {
    const server = ['fastify', 'fastify-plugin', 'pino', 'prom-client', '@opentelemetry/api', 'generic-pool', 'pg', 'ajv'];
    const runs: [string, string[]][] = [
      ['gateway --help', ['gateway', '--help']],
      ['a refused gateway command line', ['gateway', '--upstream', '127.0.0.1:1', '--no-such-flag']],
      ['run --help', ['run', '--help']],
    ];
    const loaded = await Promise.all(runs.map(([, args]) => commandPackages(args, undefined)));
    runs.forEach(([what], i) => {
      for (const name of server) assert.ok(!loaded[i]?.has(name), `${what} loads ${name}`);
    });
  });

  test('gateway --check-config loads no HTTP server and no metrics: no Fastify, prom-client or PostgreSQL driver', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'startup-check-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const loaded = await commandPackages(['gateway', '--check-config', '--upstream', '127.0.0.1:1', '--reversal-journal', dir], /^gateway config is valid/);
    assert.ok(loaded.has('generic-pool'), 'the connector options were checked');
    for (const name of ['fastify', 'prom-client', '@opentelemetry/api', 'pg', 'pino-pretty']) assert.ok(!loaded.has(name), `${name} is loaded`);
  });

  test('--help, --version and an unknown command load no package index: only the codec\'s error text, not the codec', async () => {
    const runs: [string, string[]][] = [['--help', ['--help']], ['--version', ['--version']], ['an unknown command', ['no-such-command']]];
    const loaded = await Promise.all(runs.map(([, args]) => commandModules(args)));
    runs.forEach(([what], i) => {
      const ours = (loaded[i] ?? []).filter((url) => url.includes('/packages/'));
      assert.ok(ours.some((url) => url.endsWith('/cli/dist/src/main.js')), `${what} was listed`);
      assert.deepEqual(ours.filter((url) => /\/packages\/[^/]+\/dist\/src\/index\.js$/.test(url)), [], `${what} loads a package index`);
      assert.deepEqual(ours.filter((url) => /\/codec\/dist\/src\/(dialect|views|jpos|emv)\//.test(url)), [], `${what} loads the codec's dialects or views`);
      // The error line's code and masked text, the writes: about 20 files (the whole codec is about 140).
      assert.ok(ours.length <= 30, `${what} loads ${ours.length} of the packages' files`);
    });
  });

  test('--help loads no package', async () => {
    assert.deepEqual([...(await commandPackages(['--help'], undefined))], []);
  });

  test('run, until its flow is ready, loads no PostgreSQL driver and no schema compiler', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'startup-run-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const flow = join(dir, 'flow.json');
    writeFileSync(flow, JSON.stringify({ name: 'mini', inboundEndpoints: { host: { port: 0, sequence: 'host-simulator' } } }));
    const loaded = await commandPackages(['run', flow], /^flow mini ready/);
    assert.ok(loaded.has('pino'), 'the flow started');
    // The flow file, the connector's and the endpoint's options are checked by code generated at build time.
    for (const name of ['pg', 'pino-pretty', 'ajv']) assert.ok(!loaded.has(name), `${name} is loaded`);
  });

  test("the HTTP application loads Fastify's schema compilers only for a route with a schema; a JSON log no pino-pretty", async () => {
    const [loaded, pretty] = await loadedLists(`
const { assembleHttp } = await import(${src('http/app.js')});
const { createLogger } = await import(${src('logger.js')});
const app = await assembleHttp({ connectors: {} });
await app.app.close();
createLogger({ level: 'info', format: 'json' }).logger.info('started');
listLoaded();
createLogger({ level: 'silent', format: 'pretty' });`);
    assert.ok(loaded?.has('fastify'), 'the application was built');
    for (const name of ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'fast-json-stringify/index.js', 'pino-pretty']) {
      assert.ok(!loaded?.has(name), `${name} is loaded`);
    }
    assert.ok(pretty?.has('pino-pretty'), 'a pretty log loads pino-pretty');
  });
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
