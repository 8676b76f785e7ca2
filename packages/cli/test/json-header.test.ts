// `decode --format json` keeps a dialect's message header ("header", hex) and `encode` / `send` take it back, so that
// decode then encode gives the same bytes, as with XML; with a fixed frame header besides, the view's header is the
// dialect's (encode takes the frame header from --header-hex).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVectorHex, vectorPath } from '@iso8583/test-support';
import { runCli, startCli } from './cli-process.js';

const JPOS_EBCDIC = vectorPath('jpos/packagers/iso93ebcdic-custom.xml');
const PAN = '4761739001010010';

/** A dialect file with a 5-byte message header (iso87ascii otherwise), in a folder removed after the test. */
function headerDialect(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-json-header-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'hdr5.json');
  writeFileSync(file, JSON.stringify({ name: 'hdr5', extends: 'iso87ascii', headerLength: 5, fields: {} }));
  return file;
}

const PURCHASE = { '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '7': '1202062800', '11': '000001', '41': 'TERM0001' };

test('decode --format json then encode gives back the jPOS ISO93ebcdic-Custom image, its 9-byte header included', async () => {
  const wire = readVectorHex('jpos/ISO93ebcdic-Custom-Img.hex').toString('hex').toUpperCase();
  const decoded = await runCli(['decode', '--dialect', JPOS_EBCDIC, wire]);
  assert.equal(decoded.stderr, '');
  assert.equal((JSON.parse(decoded.stdout) as Record<string, unknown>).header, 'F1D9D6E4E3C5D5C5E3');
  const encoded = await runCli(['encode', '--dialect', JPOS_EBCDIC], decoded.stdout);
  assert.equal(encoded.stderr, '');
  assert.equal(encoded.stdout, `${wire}\n`);
});

test('decode --format json then encode keeps a JSON dialect\'s header; without "header" it is zeros, as before', async (t) => {
  const dialect = headerDialect(t);
  const plain = await runCli(['encode', '--dialect', dialect], JSON.stringify(PURCHASE));
  assert.equal(plain.stderr, '');
  assert.match(plain.stdout, /^0000000000/);
  const wire = `0102030405${plain.stdout.trim().slice(10)}`;
  const decoded = await runCli(['decode', '--dialect', dialect, wire]);
  assert.deepEqual(JSON.parse(decoded.stdout), { ...PURCHASE, header: '0102030405' });
  const encoded = await runCli(['encode', '--dialect', dialect], decoded.stdout);
  assert.equal(encoded.stderr, '');
  assert.equal(encoded.stdout, `${wire}\n`);
});

test('with a frame header (TPDU) and a dialect header, json and xml show the dialect\'s; encode --header-hex rebuilds the frame', async (t) => {
  const dialect = headerDialect(t);
  const message = (await runCli(['encode', '--dialect', dialect], JSON.stringify({ ...PURCHASE, header: '0102030405' }))).stdout.trim();
  const frame = `${(5 + message.length / 2).toString(16).padStart(4, '0')}6000010000${message}`.toUpperCase();
  const args = ['--dialect', dialect, '--frame', 'binary2'];
  for (const format of ['json', 'xml']) {
    const decoded = await runCli(['decode', ...args, '--header-bytes', '5', '--format', format, frame]);
    assert.equal(decoded.stderr, '');
    if (format === 'json') assert.equal((JSON.parse(decoded.stdout) as Record<string, unknown>).header, '0102030405');
    else assert.match(decoded.stdout, new RegExp(`<header>${Buffer.from('0102030405', 'hex').toString('base64')}</header>`));
    const encoded = await runCli(['encode', ...args, '--header-hex', '6000010000'], decoded.stdout);
    assert.equal(encoded.stderr, '');
    assert.equal(encoded.stdout, `${frame}\n`);
  }
  const described = await runCli(['decode', ...args, '--header-bytes', '5', '--format', 'describe', frame]);
  assert.match(described.stdout, /^frame header: 6000010000\nheader: 0102030405\n/);
});

test('encode refuses a JSON header of the wrong length or not hex, naming the header and the length, never its value', async (t) => {
  const dialect = headerDialect(t);
  const long = await runCli(['encode', '--dialect', dialect], JSON.stringify({ ...PURCHASE, header: PAN }));
  assert.notEqual(long.code, 0);
  assert.match(long.stderr, /ISO8583_ERR_HEADER/);
  assert.match(long.stderr, /header/);
  assert.match(long.stderr, /5 bytes/);
  assert.doesNotMatch(long.stderr, /476173/);
  const notHex = await runCli(['encode', '--dialect', dialect], JSON.stringify({ ...PURCHASE, header: `${PAN}ZZ` }));
  assert.notEqual(notHex.code, 0);
  assert.match(notHex.stderr, /ISO8583_ERR_INVALID_MESSAGE.*header/);
  assert.doesNotMatch(notHex.stderr, /476173/);
  assert.equal(long.stdout + notHex.stdout, '');
});

test('send with a JSON "header" sends it to the host and prints the answer\'s header in the JSON answer', async (t) => {
  const dialect = headerDialect(t);
  const host = await startCli(['simulate-host', '--port', '0', '--dialect', dialect]);
  t.after(() => host.stop());
  const send = (message: object) => runCli(['send', '--port', String(host.port), '--dialect', dialect], JSON.stringify(message));
  // The host answers with the request's header: the one given, else the zeros of a request without one.
  const given = await send({ ...PURCHASE, header: '0102030405' });
  assert.equal(given.stderr, '');
  const answer = JSON.parse(given.stdout) as Record<string, string>;
  assert.equal(answer['0'], '0210');
  assert.equal(answer.header, '0102030405');
  const none = await send({ ...PURCHASE, '11': '000002' });
  assert.equal(none.stderr, '');
  assert.equal((JSON.parse(none.stdout) as Record<string, string>).header, '0000000000');
});
