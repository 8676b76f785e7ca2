// The framing and TLS flags are read past the flag table (flags.ts readFrameFlags, readClientTls, readServerTls), and
// refuse an empty value as the table does for its rows: `--header-hex ''` was taken as no header, `--tls-servername ''`
// as no server name, `--tls-ca ''` failed as a file error (ENOENT) rather than naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-process.js';

const ECHO = JSON.stringify({ '0': '0800', '11': '000001', '41': 'TERM0001', '70': '301' });

const refused = (flag: string): string => `iso8583: ISO8583_ERR_CLI_OPTION: --${flag} must not be empty\n`;

test("send refuses an empty --header-hex, --tls-ca, --tls-cert, --tls-key and --tls-servername, naming the flag", async () => {
  // Port 1: nothing listens there, and nothing is tried before the flags are read.
  for (const flag of ['header-hex', 'tls-ca', 'tls-cert', 'tls-key', 'tls-servername']) {
    const r = await runCli(['send', '--port', '1', `--${flag}`, ''], ECHO);
    assert.equal(r.stderr, refused(flag), flag);
    assert.equal(r.code, 1, flag);
  }
});

test("encode refuses an empty --header-hex; a listener an empty --tls-cert, naming the flag", async () => {
  const encode = await runCli(['encode', '--frame', 'binary2', '--header-hex', ''], ECHO);
  assert.equal(encode.stderr, refused('header-hex'));
  assert.equal(encode.code, 1);
  const listen = await runCli(['simulate-host', '--port', '0', '--tls-cert', '', '--tls-key', 'key.pem']);
  assert.equal(listen.stderr, refused('tls-cert'));
  assert.equal(listen.code, 1);
});
