// `decode --format json` keeps a dialect's message header ("header", hex) and `encode` / `send` take it back, so that
// decode then encode gives the same bytes, as with XML; with a fixed frame header besides, the view's header is the
// dialect's (encode takes the frame header from --header-hex). The one-shot command lines run in one process a step
// (`main` for each, helpers/main-batch.ts: the first encodes and decodes, then what takes their output, then what
// takes that); the simulator `send` talks to is the real binary.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVectorHex, runMainBatch, vectorPath } from '@iso8583/test-support';
import { startCli } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';

const JPOS_EBCDIC = vectorPath('jpos/packagers/iso93ebcdic-custom.xml');
const PAN = '4761739001010010';

/** A dialect file with a 5-byte message header (iso87ascii otherwise), in a folder removed when the file ends. */
const dir = mkdtempSync(join(tmpdir(), 'iso8583-json-header-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const dialect = join(dir, 'hdr5.json');
writeFileSync(dialect, JSON.stringify({ name: 'hdr5', extends: 'iso87ascii', headerLength: 5, fields: {} }));

const PURCHASE = { '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '7': '1202062800', '11': '000001', '41': 'TERM0001' };

/** The three steps: fixed input; what takes the first step's output; what takes the second's. */
const first = mainBatch();
const second = mainBatch();
const third = mainBatch();

const JPOS_WIRE = readVectorHex('jpos/ISO93ebcdic-Custom-Img.hex').toString('hex').toUpperCase();
const jposDecoded = first.line(['decode', '--dialect', JPOS_EBCDIC, JPOS_WIRE]);
const jposEncoded = second.line(['encode', '--dialect', JPOS_EBCDIC], async () => (await jposDecoded()).stdout);
test('decode --format json then encode gives back the jPOS ISO93ebcdic-Custom image, its 9-byte header included', async () => {
  const decoded = await jposDecoded();
  assert.equal(decoded.stderr, '');
  assert.equal((JSON.parse(decoded.stdout) as Record<string, unknown>).header, 'F1D9D6E4E3C5D5C5E3');
  const encoded = await jposEncoded();
  assert.equal(encoded.stderr, '');
  assert.equal(encoded.stdout, `${JPOS_WIRE}\n`);
});

const plain = first.line(['encode', '--dialect', dialect], JSON.stringify(PURCHASE));
const headed = async (): Promise<string> => `0102030405${(await plain()).stdout.trim().slice(10)}`;
const headedDecoded = second.line(async () => ['decode', '--dialect', dialect, await headed()]);
const headedEncoded = third.line(['encode', '--dialect', dialect], async () => (await headedDecoded()).stdout);
test('decode --format json then encode keeps a JSON dialect\'s header; without "header" it is zeros, as before', async () => {
  const encodedPlain = await plain();
  assert.equal(encodedPlain.stderr, '');
  assert.match(encodedPlain.stdout, /^0000000000/);
  const wire = await headed();
  const decoded = await headedDecoded();
  assert.deepEqual(JSON.parse(decoded.stdout), { ...PURCHASE, header: '0102030405' });
  const encoded = await headedEncoded();
  assert.equal(encoded.stderr, '');
  assert.equal(encoded.stdout, `${wire}\n`);
});

const FRAMED_ARGS = ['--dialect', dialect, '--frame', 'binary2'];
const message = first.line(['encode', '--dialect', dialect], JSON.stringify({ ...PURCHASE, header: '0102030405' }));
const frame = async (): Promise<string> => {
  const m = (await message()).stdout.trim();
  return `${(5 + m.length / 2).toString(16).padStart(4, '0')}6000010000${m}`.toUpperCase();
};
const framed = ['json', 'xml'].map((format) => {
  const decoded = second.line(async () => ['decode', ...FRAMED_ARGS, '--header-bytes', '5', '--format', format, await frame()]);
  const encoded = third.line(['encode', ...FRAMED_ARGS, '--header-hex', '6000010000'], async () => (await decoded()).stdout);
  return { format, decoded, encoded };
});
const described = second.line(async () => ['decode', ...FRAMED_ARGS, '--header-bytes', '5', '--format', 'describe', await frame()]);
test('with a frame header (TPDU) and a dialect header, json and xml show the dialect\'s; encode --header-hex rebuilds the frame', async () => {
  const wire = await frame();
  for (const { format, decoded: decodedLine, encoded: encodedLine } of framed) {
    const decoded = await decodedLine();
    assert.equal(decoded.stderr, '');
    if (format === 'json') assert.equal((JSON.parse(decoded.stdout) as Record<string, unknown>).header, '0102030405');
    else assert.match(decoded.stdout, new RegExp(`<header>${Buffer.from('0102030405', 'hex').toString('base64')}</header>`));
    const encoded = await encodedLine();
    assert.equal(encoded.stderr, '');
    assert.equal(encoded.stdout, `${wire}\n`);
  }
  assert.match((await described()).stdout, /^frame header: 6000010000\nheader: 0102030405\n/);
});

const tooLong = first.line(['encode', '--dialect', dialect], JSON.stringify({ ...PURCHASE, header: PAN }));
const notHexHeader = first.line(['encode', '--dialect', dialect], JSON.stringify({ ...PURCHASE, header: `${PAN}ZZ` }));
test('encode refuses a JSON header of the wrong length or not hex, naming the header and the length, never its value', async () => {
  const long = await tooLong();
  assert.notEqual(long.code, 0);
  assert.match(long.stderr, /ISO8583_ERR_HEADER/);
  assert.match(long.stderr, /header/);
  assert.match(long.stderr, /5 bytes/);
  assert.doesNotMatch(long.stderr, /476173/);
  const notHex = await notHexHeader();
  assert.notEqual(notHex.code, 0);
  assert.match(notHex.stderr, /ISO8583_ERR_INVALID_MESSAGE.*header/);
  assert.doesNotMatch(notHex.stderr, /476173/);
  assert.equal(long.stdout + notHex.stdout, '');
});

test('send with a JSON "header" sends it to the host and prints the answer\'s header in the JSON answer', async (t) => {
  const host = await startCli(['simulate-host', '--port', '0', '--dialect', dialect]);
  t.after(() => host.stop());
  const sendArgs = ['send', '--port', String(host.port), '--dialect', dialect];
  // The host answers with the request's header: the one given, else the zeros of a request without one.
  const [given, none] = await runMainBatch([
    { args: sendArgs, input: JSON.stringify({ ...PURCHASE, header: '0102030405' }) },
    { args: sendArgs, input: JSON.stringify({ ...PURCHASE, '11': '000002' }) },
  ]);
  assert.ok(given !== undefined && none !== undefined);
  assert.equal(given.stderr, '');
  const answer = JSON.parse(given.stdout) as Record<string, string>;
  assert.equal(answer['0'], '0210');
  assert.equal(answer.header, '0102030405');
  assert.equal(none.stderr, '');
  assert.equal((JSON.parse(none.stdout) as Record<string, string>).header, '0000000000');
});
