// Loading a flow file refuses, naming the JSON path and line, what `run` could not start: options only code can give,
// what the libraries' own validators refuse, a `__proto__` key, two routed groups on one first upstream; paths resolve
// from the flow file's folder; and a large file loads in linear time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIso8583Error } from '@iso8583/codec';
import { loadFlow } from '../src/index.js';
import { readConfigFile } from '../src/gateway/config.js';
import { runMainBatch } from '@iso8583/test-support';
import { runCli } from './cli-process.js';
import { flowProblems } from './flow-problems.js';

type After = { after(fn: () => unknown): void };

function folder(t: After): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-load-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const POS = { pos: { port: 0, sequence: 'host-simulator' } };

/** The problems (`file:line:col /path: reason`) of loading `text`, or [] when it loads. */
function problemsOf(dir: string, text: string): string[] {
  const file = join(dir, 'flow.json');
  writeFileSync(file, text);
  return flowProblems(file);
}

/** `line:column` (1-based) where `needle` first occurs in `text` after `from`: where the value a problem names starts. */
function at(text: string, needle: string, from = ''): string {
  const i = text.indexOf(needle, text.indexOf(from));
  const before = text.slice(0, i).split('\n');
  return `${before.length}:${(before.at(-1) as string).length + 1}`;
}

test('flow file – options only code can give are unknown keys, at any depth; their JSON forms stay', (t) => {
  const dir = folder(t);
  const bank = (extra: string): string => `{ "connectors": { "bank": { "host": "h", "port": 1, ${extra} } } }`;
  const log = bank('"transactionLog": {}');
  assert.deepEqual(problemsOf(dir, log), [`flow.json:${at(log, '{}')} /connectors/bank/transactionLog: must be one of false`]);
  for (const part of ['reversal', 'saf']) {
    const text = bank(`"${part}": { "enabled": true, "journal": {} }`);
    assert.deepEqual(problemsOf(dir, text), [`flow.json:${at(text, '{}')} /connectors/bank/${part}/journal: is not a known key`]);
  }
  const code = bank('"logger": {}, "registry": {}');
  assert.deepEqual(problemsOf(dir, code), [
    `flow.json:${at(code, '{}')} /connectors/bank/logger: is not a known key`,
    `flow.json:${at(code, '{}', 'registry')} /connectors/bank/registry: is not a known key`,
  ]);
  const inbound = '{ "inboundEndpoints": { "pos": { "port": 0, "sequence": "host-simulator", "onLateResult": "x", "connectors": {} } } }';
  assert.deepEqual(problemsOf(dir, inbound), [
    `flow.json:${at(inbound, '"x"')} /inboundEndpoints/pos/onLateResult: is not a known key`,
    `flow.json:${at(inbound, '{}')} /inboundEndpoints/pos/connectors: is not a known key`,
  ]);
  assert.deepEqual(problemsOf(dir, bank('"transactionLog": false')), []);
  assert.deepEqual(problemsOf(dir, bank('"store": "postgresql://u@127.0.0.1:1/db", "reversal": { "enabled": true }')), []);
});

test('flow file – what the connector and inbound validators refuse is refused at load, at its JSON path', (t) => {
  const dir = folder(t);
  const text = JSON.stringify(
    {
      connectors: { bank: { host: '127.0.0.1', port: 1, pool: { min: 3, max: 1 }, header: 'AB', dialect: './nope.json' } },
      inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator', dialect: './nope2.xml', allow: ['not-an-ip'] } },
    },
    null,
    1,
  );
  assert.deepEqual(problemsOf(dir, text), [
    `flow.json:${at(text, '3', '"min"')} /connectors/bank/pool/min: must not be more than pool.max`,
    `flow.json:${at(text, '"AB"')} /connectors/bank/header: must be 0 bytes (headerBytes) in hex`,
    `flow.json:${at(text, '"./nope.json"')} /connectors/bank/dialect: cannot be loaded: the dialect file cannot be read: ENOENT (ISO8583_ERR_DIALECT_UNKNOWN)`,
    `flow.json:${at(text, '"./nope2.xml"')} /inboundEndpoints/pos/dialect: cannot be loaded: the dialect file cannot be read: ENOENT (ISO8583_ERR_DIALECT_UNKNOWN)`,
    `flow.json:${at(text, '"not-an-ip"')} /inboundEndpoints/pos/allow/0: is not an IP address or CIDR range`,
  ]);
});

test('run --check refuses what the libraries refuse, naming the path, as run does (no ISO8583_ERR_CLI_UNEXPECTED)', async (t) => {
  const dir = folder(t);
  const file = join(dir, 'f.json');
  writeFileSync(file, JSON.stringify({ connectors: { bank: { host: '127.0.0.1', port: 1, reversal: { enabled: true, journal: {} } } }, inboundEndpoints: POS }));
  // Both in one process (`main` for each: test-support's runMainBatch).
  const results = await runMainBatch([{ args: ['run', file, '--check'] }, { args: ['run', file] }]);
  assert.equal(results.length, 2);
  for (const r of results) {
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_FLOW_INVALID: flow file \S+ is invalid:\n {2}\S+f\.json:1:\d+ \/connectors\/bank\/reversal\/journal: is not a known key\n$/);
  }
});

test('flow file – dialect files and journal folders resolve from the flow file folder, not the working folder', (t) => {
  const dir = folder(t);
  mkdirSync(join(dir, 'dialects'));
  writeFileSync(join(dir, 'dialects', 'd.json'), JSON.stringify({ name: 'd', extends: 'iso87ascii', fields: {} }));
  writeFileSync(
    join(dir, 'flow.json'),
    JSON.stringify({
      connectors: { bank: { host: 'h', port: 1, dialect: 'dialects/d.json', reversal: { enabled: true, journalDir: 'journal' } }, other: { host: 'h', port: 2, saf: { enabled: true, journalDir: '/abs/j' } } },
      inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator', dialect: './dialects/d.json' } },
    }),
  );
  const cwd = process.cwd();
  process.chdir(tmpdir());
  t.after(() => process.chdir(cwd));
  const flow = loadFlow(join(dir, 'flow.json'), {});
  assert.equal(flow.connectors.bank?.dialect, join(dir, 'dialects', 'd.json'));
  assert.equal((flow.connectors.bank?.reversal as { journalDir: string }).journalDir, join(dir, 'journal'));
  assert.equal((flow.connectors.other?.saf as { journalDir: string }).journalDir, '/abs/j');
  assert.equal(flow.inboundEndpoints.pos?.dialect, join(dir, 'dialects', 'd.json'));
});

test('flow file – a __proto__ key is a key: refused as unknown, never the prototype of the flow (no undeclared HTTP server)', (t) => {
  const dir = folder(t);
  const top = `{ "__proto__": { "http": { "port": 0 } }, "inboundEndpoints": ${JSON.stringify(POS)} }`;
  assert.deepEqual(problemsOf(dir, top), [`flow.json:${at(top, '{ "http"')} /__proto__: is not a known key`]);
  const nested = '{ "inboundEndpoints": { "pos": { "port": 0, "sequence": "host-simulator", "__proto__": { "x": 1 } } } }';
  assert.deepEqual(problemsOf(dir, nested), [`flow.json:${at(nested, '{ "x"')} /inboundEndpoints/pos/__proto__: is not a known key`]);
});

test('gateway config file – a __proto__ key is refused as unknown, never the prototype of the config', (t) => {
  const dir = folder(t);
  const file = join(dir, 'gw.json');
  writeFileSync(file, '{ "__proto__": { "listenPort": 1 } }');
  assert.throws(
    () => readConfigFile(file),
    (err: unknown) => isIso8583Error(err) && err.code === 'ISO8583_ERR_GATEWAY_CONFIG' && (err.problems ?? []).some((p) => p.field.includes('__proto__')),
  );
});

test('flow file – two routed upstream groups with the same first upstream are refused naming the second route', (t) => {
  const dir = folder(t);
  const text = JSON.stringify({
    connectors: { a: { host: '127.0.0.1', port: 1 }, b: { host: '127.0.0.1', port: 2 } },
    upstreamGroups: { g1: { upstreams: ['a', 'b'] }, g2: { upstreams: ['a'] } },
    http: { port: 0, routes: { g1: '/g1', g2: '/g2' } },
  });
  assert.deepEqual(problemsOf(dir, text), [`flow.json:${at(text, '"/g2"')} /http/routes/g2: upstream group g1 has the same first upstream (a), which carries its routes: route one of the two groups`]);
});

// In a child process, so that the test's time limit can end a load that takes too long (it took minutes when each
// position was counted from the start of the text).
test('run --check – 20,000 BIN routes load in linear time (positions counted as the scan goes)', { timeout: 60_000 }, async (t) => {
  const dir = folder(t);
  const routes = Array.from({ length: 20_000 }, (_, i) => ({ pan: String(400000 + i), upstream: i % 2 === 0 ? 'a' : 'b' }));
  const flow = { connectors: { a: { host: '127.0.0.1', port: 1 }, b: { host: '127.0.0.1', port: 2 } }, upstreamGroups: { g: { upstreams: ['a', 'b'], routes } } };
  writeFileSync(join(dir, 'big.json'), JSON.stringify(flow, null, 1));
  const r = await runCli(['run', join(dir, 'big.json'), '--check']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'flow big is valid\n');
});
