/**
 * The mistakes a new user makes first, each answered by the `iso8583` command (or the gateway's real HTTP server)
 * with a coded error that names the flag, the key or the body, in words, never a raw regular expression, a masked
 * number or Fastify's own error body. The command lines run in one process (`main`, helpers/main-batch.ts); the real
 * binary prints the same line and exit code for a flag and a config file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, startCli, startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { runMainBatch } from './helpers/main-batch.js';
import type { BatchResult } from './helpers/main-batch.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-first-run-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** Runs `iso8583 <args>` to its end (15 s at most) and returns its exit code and stderr. */
async function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const p = startCli(args);
  const exit = await exitWithin(p, 15_000, `iso8583 ${args.join(' ')}`);
  return { code: exit.code, stderr: p.stderr() };
}

describe('a wrong command line: one coded line naming the flag', () => {
  const badUpstream = join(work, 'bad-upstream.json');
  writeFileSync(badUpstream, JSON.stringify({ upstream: 'localhost', upstreams: undefined }));
  const broken = join(work, 'broken.json');
  writeFileSync(broken, '{ "upstream": ');
  const cases: { args: string[]; code: number; line: RegExp }[] = [
    // Number.MAX_SAFE_INTEGER passes the Luhn check: the upper bound must not be printed (the masker would mangle it).
    { args: ['load', '--port', '1', '--rate', '0'], code: 1, line: /^iso8583: ISO8583_ERR_CLI_OPTION: --rate must be a decimal number \(digits, no exponent\) of at least 0\.001\n$/ },
    { args: ['load', '--port', '1', '--count', '-5'], code: 1, line: /^iso8583: ISO8583_ERR_CLI_OPTION: --count must be an integer of at least 1\n$/ },
    { args: ['load', '--port', '1', '-n', '-5'], code: 1, line: /^iso8583: ISO8583_ERR_CLI_OPTION: --count must be an integer of at least 1\n$/ },
    { args: ['load', '--port', '1', '--timeout', '-3'], code: 1, line: /^iso8583: ISO8583_ERR_CLI_OPTION: --timeout must be an integer from 1 to \d+\n$/ },
    { args: ['gateway', '--upstream', 'localhost'], code: 1, line: /^iso8583: ISO8583_ERR_CLI_OPTION: --upstream must be HOST:PORT \(a port from 1 to 65535; a host, not the unspecified address 0\.0\.0\.0 or ::, which names no bank\)\n$/ },
    { args: ['gateway', '--upstream', 'localhost:99999'], code: 1, line: /^iso8583: ISO8583_ERR_CLI_OPTION: --upstream must be HOST:PORT \(a port from 1 to 65535; a host, not the unspecified address 0\.0\.0\.0 or ::, which names no bank\)\n$/ },
    { args: ['gateway', '--upstream', 'bank=localhost:70000'], code: 1, line: /^iso8583: ISO8583_ERR_CLI_OPTION: --upstream must be \[NAME=\]HOST:PORT \(a port from 1 to 65535; a host, not the unspecified address 0\.0\.0\.0 or ::, which names no bank\)\n$/ },
    { args: ['gateway', '--config', join(work, 'missing.json')], code: 1, line: /^iso8583: ISO8583_ERR_CLI_FILE: --config: cannot read the file \S+missing\.json: ENOENT \(no such file or directory\)\n$/ },
    { args: ['gateway', '--config', work], code: 1, line: /^iso8583: ISO8583_ERR_CLI_FILE: --config: cannot read the file \S+: EISDIR \(illegal operation on a directory\)\n$/ },
  ];
  const lines = [...cases.map((c) => c.args), ['gateway', '--config', badUpstream], ['gateway', '--config', broken]];
  let results: BatchResult[];
  before(async () => {
    results = await runMainBatch(lines);
  });
  /** The result of one of `lines`. */
  const ran = (args: string[]): BatchResult => results.find((r) => r.args.join('\0') === args.join('\0')) as BatchResult;

  for (const c of cases) {
    test(`iso8583 ${c.args.join(' ').replace(work, 'DIR')}`, () => {
      const r = ran(c.args);
      assert.equal(r.code, c.code, r.stderr);
      assert.match(r.stderr, c.line);
      assert.doesNotMatch(r.stderr, /\*{3}|must match pattern|\^\(/, 'no masked digits, no regular expression');
    });
  }

  test('a config file whose upstream is not HOST:PORT names the key in words', () => {
    const r = ran(['gateway', '--config', badUpstream]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ISO8583_ERR_GATEWAY_CONFIG: config file \S+ is invalid:\n {2}\/upstream: must be HOST:PORT \(a port from 1 to 65535; a host, not the unspecified address/);
  });

  test('a config file that is not JSON says so (and not that it cannot be read)', () => {
    const r = ran(['gateway', '--config', broken]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file (\S+)broken\.json is not JSON at \1broken\.json:1:15\n$/);
  });

  test('the real binary prints the same line and exits with the same code (a flag, a config file)', async () => {
    for (const args of [cases[0]?.args as string[], ['gateway', '--config', broken]]) {
      const r = await run(args);
      assert.deepEqual([r.code, r.stderr], [ran(args).code, ran(args).stderr], `iso8583 ${args.join(' ')}`);
    }
  });
});

describe("the gateway's HTTP API refuses a body it cannot read in its own { result, errors } shape", () => {
  let http: string;
  before(async () => {
    const bank = await startSimulator();
    mkdirSync(join(work, 'journal'));
    const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', join(work, 'journal'), '--log-level', 'silent']);
    http = `http://${gw.http.host}:${gw.http.port}`;
  });

  const bodies: { name: string; type: string; body: string; status: number; message: RegExp }[] = [
    // The parser's own message would quote the body, and with it the card number.
    { name: 'malformed JSON carrying a PAN', type: 'application/json', body: '{"0":"0200","2":"4111111111111111",', status: 400, message: /not valid JSON/ },
    { name: 'an empty JSON body', type: 'application/json', body: '', status: 400, message: /not valid JSON/ },
    { name: 'an unknown media type', type: 'application/x-unknown', body: 'x', status: 415, message: /content type/ },
  ];
  for (const b of bodies) {
    test(`${b.name}: ${b.status}, ISO8583_ERR_CONNECTOR_INPUT, no card data`, async () => {
      for (const path of ['/', '/raw']) {
        const res = await fetch(`${http}${path}`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body });
        const text = await res.text();
        assert.equal(res.status, b.status, `${path}: ${text}`);
        const json = JSON.parse(text) as { result: unknown; errors: { code: string; message: string }[] };
        assert.equal(json.result, null);
        assert.equal(json.errors.length, 1);
        assert.equal(json.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_INPUT');
        assert.match(json.errors[0]?.message ?? '', b.message);
        assert.doesNotMatch(text, /411111|1111111|statusCode|FST_ERR/);
      }
    });
  }
});
