// The shared flags (dialect, framing, TLS) as every command reads them, and the options they turn into.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { BUILTIN_DIALECTS, isIso8583Error } from '@iso8583/codec';
import { makeCertificates } from '@iso8583/test-support';
import { runCli } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';
import { parseCommandArgs } from '../src/args.js';
import {
  DIALECT_FLAGS,
  FRAME_FLAGS,
  TLS_FLAGS,
  hexToBytes,
  readClientTls,
  readDialectFlags,
  readFrameFlags,
  readServerTls,
} from '../src/flags.js';

const FLAGS = { ...DIALECT_FLAGS, ...FRAME_FLAGS, ...TLS_FLAGS };

function parse(argv: string[]): ReturnType<typeof parseCommandArgs>['values'] {
  return parseCommandArgs(argv, FLAGS, 1).values;
}

/** Asserts that `fn` throws an Iso8583Error with `code` whose `field` is `field`. */
function throwsCoded(fn: () => unknown, code: string, field?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isIso8583Error(err));
    assert.equal(err.code, code);
    if (field !== undefined) assert.equal(err.field, field);
    return true;
  });
}

test('--header-hex sets the fixed header and --header-bytes to its length; a different --header-bytes is refused', () => {
  const frame = readFrameFlags(parse(['--frame', 'bcd2', '--header-hex', '60 00 01 00 00']));
  assert.equal(frame.frame, 'bcd2');
  assert.equal(frame.headerBytes, 5);
  assert.equal(frame.header?.toString('hex'), '6000010000');
  throwsCoded(() => readFrameFlags(parse(['--header-hex', '600001', '--header-bytes', '5'])), 'ISO8583_ERR_CLI_OPTION',
    '--header-bytes');
});

test('--header-hex is held to 64 bytes as --header-bytes is: one over is ISO8583_ERR_CLI_OPTION naming --header-hex', async () => {
  assert.equal(readFrameFlags(parse(['--header-hex', '00'.repeat(64)])).headerBytes, 64);
  throwsCoded(() => readFrameFlags(parse(['--header-hex', '00'.repeat(65)])), 'ISO8583_ERR_CLI_OPTION', '--header-hex');
  // encode took it (1000 bytes); send failed naming the connector's headerBytes, an option nobody gave.
  for (const command of [['encode', '--frame', 'binary2'], ['send', '--port', '1']]) {
    const r = await runCli([...command, '--header-hex', '00'.repeat(65)], '{"0":"0800","11":"000001","70":"301"}');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'iso8583: ISO8583_ERR_CLI_OPTION: --header-hex: 65 bytes, more than the 64 a fixed header has at most\n');
  }
});

test('without --frame the command default applies, and no default means a bare message', () => {
  assert.equal(readFrameFlags(parse([])).frame, undefined);
  assert.equal(readFrameFlags(parse([]), 'binary2').frame, 'binary2');
  assert.equal(readFrameFlags(parse(['-f', 'ascii4', '--length-includes-header']), 'binary2').lengthIncludesHeader, true);
});

test('--dialect takes a built-in name (default iso87ascii) and --lenient is off unless given', () => {
  const d = readDialectFlags(parse([]));
  assert.equal(d.ref, 'iso87ascii');
  assert.equal(d.lenient, false);
  assert.equal(readDialectFlags(parse(['-d', 'iso87binary', '--lenient'])).dialect.name, 'iso87binary');
});

test('any --tls-* flag means TLS; --tls-insecure turns the certificate check off', () => {
  assert.equal(readClientTls(parse([])), undefined);
  assert.deepEqual(readClientTls(parse(['--tls'])), { rejectUnauthorized: true });
  assert.deepEqual(readClientTls(parse(['--tls-servername', 'bank.example', '--tls-insecure'])),
    { rejectUnauthorized: false, servername: 'bank.example' });
});

test('TLS files are read as PEM text; a listener needs a certificate and a key, and --tls-ca asks for client ones', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flags-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const certs = makeCertificates();
  writeFileSync(join(dir, 'cert.pem'), certs.serverCert);
  writeFileSync(join(dir, 'key.pem'), certs.serverKey);
  writeFileSync(join(dir, 'ca.pem'), certs.ca);
  const files = ['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')];
  assert.deepEqual(readServerTls(parse(files)), { cert: certs.serverCert, key: certs.serverKey, requestCert: false });
  assert.deepEqual(readServerTls(parse([...files, '--tls-ca', join(dir, 'ca.pem')])),
    { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true });
  throwsCoded(() => readServerTls(parse(['--tls'])), 'ISO8583_ERR_CLI_USAGE', '--tls-cert');
  throwsCoded(() => readServerTls(parse([...files, '--tls-insecure'])), 'ISO8583_ERR_CLI_USAGE', '--tls-insecure');
  throwsCoded(() => readClientTls(parse(['--tls-cert', join(dir, 'cert.pem')])), 'ISO8583_ERR_CLI_USAGE', '--tls-key');
  throwsCoded(() => readClientTls(parse(['--tls-ca', join(dir, 'missing.pem')])), 'ISO8583_ERR_CLI_FILE', '--tls-ca');
});

test('a listener\'s TLS files are checked before the port opens: garbage CA, certificate or key, or a key of another certificate', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flags-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const certs = makeCertificates();
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const cert = file('cert.pem', certs.serverCert);
  const key = file('key.pem', certs.serverKey);
  const garbage = file('garbage.pem', 'not a PEM file');
  const otherKey = file('other-key.pem', certs.clientKey);
  const cases: Array<[string[], string]> = [
    [['--tls-cert', cert, '--tls-key', key, '--tls-ca', garbage], '--tls-ca'],
    [['--tls-cert', garbage, '--tls-key', key], '--tls-cert'],
    [['--tls-cert', cert, '--tls-key', garbage], '--tls-key'],
    [['--tls-cert', cert, '--tls-key', otherKey], '--tls-key'],
  ];
  for (const [args, flag] of cases) {
    assert.throws(() => readServerTls(parse(args)), (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_CLI_FILE');
      assert.match(err.message, new RegExp(`^${flag}: `));
      assert.ok(!err.message.includes('PRIVATE KEY'), 'never the key material');
      return true;
    }, flag);
  }
});

test('a client\'s TLS files are checked as a listener\'s are: send names the flag and the file, and no connection is made', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flags-'));
  const certs = makeCertificates();
  t.after(() => certs.cleanup());
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const garbage = file('garbage.pem', 'not a PEM file');
  const cert = file('client.pem', certs.clientCert);
  const otherKey = file('other-key.pem', certs.serverKey);
  for (const [args, flag] of [
    [['--tls-ca', garbage], '--tls-ca'],
    [['--tls-cert', cert, '--tls-key', garbage], '--tls-key'],
    [['--tls-cert', cert, '--tls-key', otherKey], '--tls-key'],
  ] as const) {
    throwsCoded(() => readClientTls(parse([...args])), 'ISO8583_ERR_CLI_FILE', flag);
  }
  // The real command against a real TLS host: before, the connector took the CA file and failed the handshake
  // (ISO8583_ERR_CONNECTOR_CONNECT_FAILED, UNABLE_TO_VERIFY_LEAF_SIGNATURE); now nothing connects.
  const host = createTlsServer({ cert: certs.serverCert, key: certs.serverKey }, (socket) => socket.destroy());
  let connections = 0;
  host.on('connection', () => connections++);
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => host.close(() => resolve())));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = String((host.address() as AddressInfo).port);
  const r = await runCli(['send', '--port', port, '--tls-ca', garbage], JSON.stringify({ 0: '0800', 11: '000001', 70: '301' }));
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `iso8583: ISO8583_ERR_CLI_FILE: --tls-ca: no PEM certificate in ${garbage}\n`);
  assert.equal(connections, 0);
});

test('hex text: whitespace and 0x ignored, either case; a bad digit gives its position and not the text', () => {
  assert.equal(hexToBytes(' 0xDe ad\nBE ef ', 'x').toString('hex'), 'deadbeef');
  assert.throws(() => hexToBytes('41111111111111G1', 'the HEX argument'), (err: unknown) => {
    assert.ok(isIso8583Error(err));
    assert.equal(err.code, 'ISO8583_ERR_CLI_HEX');
    assert.match(err.message, /position 15/);
    assert.ok(!err.message.includes('4111111111'));
    return true;
  });
});

test('hex text: the position of a bad digit is counted in the text as given, white space and 0x included', () => {
  for (const [text, position] of [['0x30 3G', 7], ['3030\n30 3z', 10], ['  0X30 0x31', 9]] as const) {
    assert.throws(() => hexToBytes(text, 'the hex on stdin'), { code: 'ISO8583_ERR_CLI_HEX', message: `the hex on stdin: not a hex digit at position ${position}` }, text);
  }
});

test('a string flag without its value, and a boolean flag given one, are usage errors naming the flag', () => {
  throwsCoded(() => parse(['--frame']), 'ISO8583_ERR_CLI_USAGE', '--frame');
  throwsCoded(() => parse(['--tls=yes']), 'ISO8583_ERR_CLI_USAGE', '--tls');
  throwsCoded(() => parse(['--nope']), 'ISO8583_ERR_CLI_USAGE', '--nope');
  assert.equal(parseCommandArgs(['--help'], FLAGS).help, true);
});

test('a flag given by its letter without its value is a usage error naming the flag, last or before another flag', async () => {
  throwsCoded(() => parse(['-f']), 'ISO8583_ERR_CLI_USAGE', '--frame');
  throwsCoded(() => parse(['-f', '--lenient']), 'ISO8583_ERR_CLI_USAGE', '--frame');
  const r = await runCli(['send', '--port', '1', '-t']);
  assert.equal(r.stderr, 'iso8583: ISO8583_ERR_CLI_USAGE: --timeout needs a value (see --help)\n');
  assert.equal(r.code, 2);
});

// The command lines below run in one process (`main` for each: helpers/main-batch.ts; each start of the binary costs
// a core over half a second), the first refusal also through the real binary.
const batch = mainBatch();
const twice = [['send', '--port', '1', '--port', '2'], ['send', '-p', '1', '--port', '2'], ['load', '--port', '1', '--quiet', '-q']];
const twiceLines = twice.map((argv) => batch.line(argv));
const aliasesLine = batch.line(['gateway', '--upstream', '127.0.0.1:1', '--listen', '1', '--listenPort', '2', '--check-config']);
const listLine = batch.line(['gateway', '--upstream', 'a=127.0.0.1:1', '--upstream', 'b=127.0.0.1:2', '--check-config']);
const dialectHelp = batch.line(['decode', '--help']);

test('a flag given twice, by its long name or its letter, is refused as two names of one flag are: ISO8583_ERR_CLI_OPTION naming it', async () => {
  const [real, batched] = await Promise.all([runCli(twice[0] as string[]), Promise.all(twiceLines.map((line) => line()))]);
  const results = [real, ...batched];
  for (const [i, argv] of [twice[0] as string[], ...twice].entries()) {
    const r = results[i] as (typeof results)[number];
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_OPTION: --(port|quiet) is given twice: give it once\n$/);
  }
  const aliases = await aliasesLine();
  assert.match(aliases.stderr, /^iso8583: ISO8583_ERR_CLI_OPTION: --listen and --listenPort are the same flag: give one\n$/);
  // A list flag takes several values.
  const list = await listLine();
  assert.equal(list.code, 0, list.stderr);
});

test('--dialect help names every built-in dialect of the codec', async () => {
  const r = await dialectHelp();
  for (const name of BUILTIN_DIALECTS) assert.ok(r.stdout.includes(name), name);
});
