// `iso8583 encode`: a message in JSON or XML to its wire image; `encode | decode` gives the same fields back. The
// command lines run in one process a step (`main` for each, helpers/main-batch.ts: the decodes, then the encodes of
// what they printed); the real binary does the first jPOS round trip and refuses XML on stdin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readVector, readVectorHex, vectorPath } from '@iso8583/test-support';
import { runCli } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';

/** The first step (decodes, encodes of fixed input) and the second (encodes and decodes of what the first printed). */
const first = mainBatch();
const second = mainBatch();

const JPOS_IMAGES = [
  { image: 'jpos/ISO87APackager.hex', dialect: 'iso87ascii' },
  { image: 'jpos/ISO87A-Field64.hex', dialect: 'iso87ascii' },
  { image: 'jpos/ISO87BPackager.hex', dialect: 'iso87binary' },
  { image: 'jpos/ISO87B-Field64.hex', dialect: 'iso87binary' },
];

for (const [i, c] of JPOS_IMAGES.entries()) {
  // The first image through the real binary, both steps.
  const decode = first.line(['decode', '--dialect', c.dialect, readVectorHex(c.image).toString('hex')]);
  const encode = second.line(['encode', '--dialect', c.dialect], async () => (await decode()).stdout);
  test(`decode then encode ${c.image} (${c.dialect}) gives back jPOS's bytes`, async () => {
    const wire = readVectorHex(c.image);
    const decoded = i === 0 ? await runCli(['decode', '--dialect', c.dialect, wire.toString('hex')]) : await decode();
    assert.equal(decoded.code, 0, decoded.stderr);
    const encoded = i === 0 ? await runCli(['encode', '--dialect', c.dialect], decoded.stdout) : await encode();
    assert.equal(encoded.stderr, '');
    assert.equal(encoded.code, 0);
    assert.equal(encoded.stdout, `${wire.toString('hex').toUpperCase()}\n`);
  });
}

const BINARY_BITMAP = vectorPath('jpos/packagers/iso87ascii-binary-bitmap.xml');
const SV_800 = { '0': '0800', '3': '000000', '7': '0607161700', '11': '123456', '24': '000', '41': '00123456', '42': '123567890124567' };

const ascii4 = first.line(['encode', '--dialect', BINARY_BITMAP, '--frame', 'ascii4'], JSON.stringify(SV_800));
test('encode --frame ascii4 gives SocketQueue\'s framed 0800 byte for byte', async () => {
  const r = await ascii4();
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim(), readVector('socketqueue/sv_800_echo_header.bin').toString('hex').toUpperCase());
});

const padded = first.line(['encode', '--dialect', BINARY_BITMAP], JSON.stringify({ ...SV_800, '1': 'FFFF', '3': 0, '11': 123456 }));
test('encode pads numeric values given as numbers, and the bitmap is computed (field 1 ignored)', async () => {
  const r = await padded();
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim(), readVector('socketqueue/sv_800_echo.bin').toString('hex').toUpperCase());
});

const bareSv800 = first.line(['encode', '--dialect', BINARY_BITMAP], JSON.stringify(SV_800));
const framedSv800 = first.line(['encode', '--dialect', BINARY_BITMAP, '--frame', 'binary2', '--header-hex', '6000010000'], JSON.stringify(SV_800));
test('encode --frame binary2 --header-hex puts the length, then the header, then the message', async () => {
  const bare = await bareSv800();
  const framed = await framedSv800();
  assert.equal(framed.stderr, '');
  const bytes = Buffer.from(framed.stdout.trim(), 'hex');
  const message = Buffer.from(bare.stdout.trim(), 'hex');
  assert.equal(bytes.readUInt16BE(0), 5 + message.length);
  assert.equal(bytes.subarray(2, 7).toString('hex'), '6000010000');
  assert.deepEqual(bytes.subarray(7), message);
});

const TPDU_0800 = JSON.stringify({ header: '600001', '0': '0800', '11': '000001', '70': '301' });
const headerShort = first.line(['encode', '--frame', 'binary2', '--header-bytes', '5'], TPDU_0800);
const headerFits = first.line(['encode', '--frame', 'binary2', '--header-bytes', '3'], TPDU_0800);
test('encode refuses a header in the input that is not --header-bytes long, naming the flag; one that is goes first', async () => {
  const short = await headerShort();
  assert.equal(short.code, 1);
  assert.equal(short.stdout, '');
  assert.equal(short.stderr, 'iso8583: ISO8583_ERR_CLI_INPUT: the header in the input has 3 bytes, --header-bytes says 5\n');
  const fits = await headerFits();
  assert.equal(fits.stderr, '');
  const bytes = Buffer.from(fits.stdout.trim(), 'hex');
  assert.equal(bytes.readUInt16BE(0), bytes.length - 2);
  assert.equal(bytes.subarray(2, 5).toString('hex'), '600001');
});

const BOM = '\uFEFF';
/** The 0800 of 11 and 70 (iso87ascii) as encode prints it. */
const ECHO_HEX = '303830303830323030303030303030303030303030343030303030303030303030303030303030303031333031';
const bomJson = first.line(['encode'], `${BOM}{"0":"0800","11":"000001","70":"301"}\r\n`);
const bomHex = first.line(['decode', '--input', 'hex'], `${BOM}${ECHO_HEX}\r\n`);
test('encode reads JSON saved with a byte order mark and CRLF (as XML), and decode --input hex hex text with one', async () => {
  const bom = await bomJson();
  assert.equal(bom.stderr, '');
  assert.equal(bom.stdout, `${ECHO_HEX}\n`);
  const decoded = await bomHex();
  assert.equal(decoded.stderr, '');
  assert.deepEqual(JSON.parse(decoded.stdout), { '0': '0800', '11': '000001', '70': '301' });
});

const WSO2_XML = readFileSync(vectorPath('wso2/sendMessage-request.xml'), 'utf8');
const WSO2_DIALECT = vectorPath('wso2/jposdef.xml');
const wso2Encoded = first.line(['encode', '--dialect', WSO2_DIALECT, '--input', 'xml'], WSO2_XML);
/** Decodes what the encode printed: `decode HEX` takes the image as its argument, so this line reads it on stdin. */
const wso2Decoded = second.line(['decode', '--dialect', WSO2_DIALECT, '--input', 'hex'], async () => (await wso2Encoded()).stdout);
test('encode reads the WSO2 connector\'s ISOMessage XML and decode gives its fields back', async () => {
  const xml = WSO2_XML;
  const encoded = await wso2Encoded();
  assert.equal(encoded.stderr, '');
  assert.match(encoded.stdout, /^[0-9A-F]+\n$/);
  const decoded = await wso2Decoded();
  assert.equal(decoded.stderr, '');
  const want = Object.fromEntries([...xml.matchAll(/<field id="(\d+)">([^<]*)<\/field>/g)].map((m) => [m[1], m[2]]));
  assert.deepEqual(JSON.parse(decoded.stdout), want);
});

test('encode --input json refuses XML on stdin', async () => {
  const xml = readFileSync(vectorPath('wso2/sendMessage-request.xml'), 'utf8');
  const r = await runCli(['encode', '--input', 'json'], xml);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_INPUT: /);
});

const invalid = first.line(['encode', '--dialect', WSO2_DIALECT], readFileSync(vectorPath('wso2/sendMessage-request-invalid.xml'), 'utf8'));
test('encode refuses the WSO2 invalid request, naming every field that breaks jposdef.xml', async () => {
  const r = await invalid();
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_[A-Z_]+: /);
  for (const id of ['0', '3', '4', '7', '11']) {
    assert.match(r.stderr, new RegExp(`(^|[^0-9])${id}([^0-9]|$)`), `field ${id} is named`);
  }
  for (const value of ['56887894210231093', '00000GHYTI0020000', '456FWEKRW893']) {
    assert.ok(!r.stderr.includes(value), 'no value is repeated in the error');
  }
});
