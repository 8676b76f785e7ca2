/**
 * `iso8583 transactions --url` against a real gateway started with `--http-token`: the token is sent as
 * `Authorization: Bearer`, and without it (or with a wrong one) the gateway's own error code comes through.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToEnd, startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-txtoken-'));
let url: string;

before(async () => {
  const bank = await startSimulator();
  const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', join(work, 'journal'),
    '--http-token', 's3cret', '--log-level', 'warn']);
  url = `http://${gw.http.host}:${gw.http.port}`;
});

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

function transactions(args: string[]): ReturnType<typeof runToEnd> {
  return runToEnd(['transactions', ...args]);
}

test('transactions --url --http-token reads the log of a gateway that asks for a token', async () => {
  const r = await transactions(['--url', url, '--http-token', 's3cret', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), []);
});

test('transactions --url --http-token-file reads the token from the first line of the file', async () => {
  const file = join(work, 'token');
  writeFileSync(file, 's3cret\n');
  const r = await transactions(['--url', url, '--http-token-file', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^TIME +MTI +STAN/);
});

test('transactions --url without the token, or with a wrong one, passes the gateway\'s 401 code through and names the flags', async () => {
  for (const args of [[], ['--http-token', 'wrong']]) {
    const r = await transactions(['--url', url, ...args]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_CONSOLE_UNAUTHORIZED: http:\/\/\S+ answered HTTP 401: .*\(give --http-token or --http-token-file\)\n$/);
    assert.doesNotMatch(r.stderr, /wrong/, 'the token given is never shown');
  }
});

test('transactions --http-token without --url is a usage error', async () => {
  const r = await transactions(['--http-token', 's3cret', '--journal-dir', work]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /ISO8583_ERR_CLI_USAGE: a token is sent to a gateway: give --url with it/);
});
