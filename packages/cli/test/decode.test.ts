// `iso8583 decode`: wire images from other implementations decode to the fields those implementations report. The
// one-shot command lines run in one process (`main` for each, helpers/main-batch.ts); the real binary decodes a stream
// as its frames arrive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readVector, readVectorHex, vectorPath } from '@iso8583/test-support';
import { BIN } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';

const batch = mainBatch();

type Fields = Record<string, string>;

/** The fields of a jPOS XML dump (`<field id="2" value="..." />`): the message that jPOS packed into the images. */
function jposFields(dump: string): Fields {
  const xml = readFileSync(vectorPath(dump), 'utf8');
  return Object.fromEntries([...xml.matchAll(/<field id="(\d+)"\s+value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

/**
 * The jPOS images with the dump of the message they were packed from. In iso87binary.xml field 55 is IFB_LLLBINARY:
 * the message model shows a binary field as hex of its bytes, where jPOS's dump shows the characters it was set to.
 */
const JPOS_CASES = [
  { image: 'jpos/ISO87APackager.hex', packager: 'iso87ascii', dump: 'jpos/ISO87.xml', binary: [] as string[] },
  { image: 'jpos/ISO87A-Field64.hex', packager: 'iso87ascii', dump: 'jpos/ISO87-Field64.xml', binary: [] as string[] },
  { image: 'jpos/ISO87BPackager.hex', packager: 'iso87binary', dump: 'jpos/ISO87.xml', binary: ['55'] },
  { image: 'jpos/ISO87B-Field64.hex', packager: 'iso87binary', dump: 'jpos/ISO87-Field64.xml', binary: ['55'] },
];

function expectedFields(c: (typeof JPOS_CASES)[number]): Fields {
  const fields = jposFields(c.dump);
  for (const id of c.binary) fields[id] = Buffer.from(fields[id] as string, 'latin1').toString('hex').toUpperCase();
  return fields;
}

for (const c of JPOS_CASES) {
  const withPackager = batch.line(['decode', '--dialect', vectorPath(`jpos/packagers/${c.packager}.xml`), readVectorHex(c.image).toString('hex')]);
  const onStdin = batch.line(['decode', '--dialect', c.packager], readVectorHex(c.image));
  test(`decode ${c.image} with the jPOS packager ${c.packager}.xml gives every field of jPOS's message`, async () => {
    const r = await withPackager();
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), expectedFields(c));
  });

  test(`decode ${c.image} on stdin with the built-in ${c.packager} dialect gives the same fields`, async () => {
    const r = await onStdin();
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), expectedFields(c));
  });
}

const moov = batch.line(['decode', readVectorHex('moov/iso_reversal_message.hex').toString('hex')]);
test('decode a moov-io 0400 reversal (hex argument, default iso87ascii) gives moov-io\'s expected elements', async () => {
  const expected = JSON.parse(readFileSync(vectorPath('moov/iso_reversal_message.expected.json'), 'utf8')) as {
    mti: string;
    elements: Fields;
  };
  const want: Fields = { '0': expected.mti };
  for (const [k, v] of Object.entries(expected.elements)) if (k !== '1') want[k] = v;
  const r = await moov();
  assert.equal(r.stderr, '');
  assert.deepEqual(JSON.parse(r.stdout), want);
});

const SV_800_FIELDS: Fields = {
  '0': '0800',
  '3': '000000',
  '7': '0607161700',
  '11': '123456',
  '24': '000',
  '41': '00123456',
  '42': '123567890124567',
};
const BINARY_BITMAP = vectorPath('jpos/packagers/iso87ascii-binary-bitmap.xml');

const rawStdin = batch.line(['decode', '--dialect', BINARY_BITMAP], readVector('socketqueue/sv_800_echo.bin'));
test('decode reads raw bytes from stdin when no argument is given (SocketQueue 0800, binary bitmap)', async () => {
  const r = await rawStdin();
  assert.equal(r.stderr, '');
  assert.deepEqual(JSON.parse(r.stdout), SV_800_FIELDS);
});

const FRAME = readVector('socketqueue/sv_800_echo_header.bin');
const threeFrames = batch.line(['decode', '--dialect', BINARY_BITMAP, '--frame', 'ascii4'], Buffer.concat([FRAME, FRAME, FRAME]));
test('decode --frame ascii4 prints one JSON line per frame of the stream on stdin', async () => {
  const r = await threeFrames();
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  for (const line of lines) assert.deepEqual(JSON.parse(line), SV_800_FIELDS);
});

const IMAGE = readVector('socketqueue/sv_800_echo.bin');
const bare = batch.line(['decode', '--dialect', BINARY_BITMAP, '--frame', 'none'], Buffer.concat([IMAGE, IMAGE]));
test('decode --frame none cuts a stream of bare messages by decoding them', async () => {
  const r = await bare();
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.map((l) => JSON.parse(l) as Fields), [SV_800_FIELDS, SV_800_FIELDS]);
});

const incomplete = batch.line(['decode', '--dialect', BINARY_BITMAP, '--frame', 'ascii4'], Buffer.concat([FRAME, FRAME.subarray(0, 20)]));
test('decode --frame reports an incomplete last frame after printing the complete ones', async () => {
  const r = await incomplete();
  assert.notEqual(r.code, 0);
  assert.deepEqual(JSON.parse(r.stdout.trimEnd()), SV_800_FIELDS);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_INPUT: /);
});

// A stream of several frames: the error of the one that fails names it (its number and where it starts), so that a
// capture of thousands of frames can be cut at the bad one. The frames before it are printed.
const KEEP_ALIVE = Buffer.from('0000');
const SHORT = Buffer.concat([Buffer.from('0010'), IMAGE.subarray(0, 10)]);
const badThird = batch.line(['decode', '--dialect', BINARY_BITMAP, '--frame', 'ascii4'], Buffer.concat([FRAME, FRAME, KEEP_ALIVE, SHORT, FRAME]));
test('decode --frame names the frame that does not decode: its number and its byte offset in the input', async () => {
  const r = await badThird();
  assert.notEqual(r.code, 0);
  assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Fields), [SV_800_FIELDS, SV_800_FIELDS]);
  const offset = 2 * FRAME.length + KEEP_ALIVE.length;
  assert.match(r.stderr, new RegExp(`^iso8583: ISO8583_ERR_[A-Z_]+: .* in frame 3 \\(from byte ${offset} of the input\\)\n$`));
});

const badLength = batch.line(['decode', '--dialect', BINARY_BITMAP, '--frame', 'ascii4'], Buffer.concat([FRAME, Buffer.from('ZZZZ')]));
test('decode --frame names the frame whose length header is bad', async () => {
  const r = await badLength();
  assert.notEqual(r.code, 0);
  // Both came in one read: the frame before the bad header is printed all the same.
  assert.deepEqual(JSON.parse(r.stdout.trimEnd()), SV_800_FIELDS);
  assert.match(r.stderr, new RegExp(`^iso8583: ISO8583_ERR_FRAME_LENGTH: the ascii4 length header is not a number \\(at byte ${FRAME.length}\\) in frame 2\n$`));
});

const noneBad = batch.line(['decode', '--dialect', BINARY_BITMAP, '--frame', 'none'], Buffer.concat([IMAGE, Buffer.alloc(20, 0xff)]));
test('decode --frame none names where the bytes that cannot start a message are in the input, as a bad length header', async () => {
  const r = await noneBad();
  assert.notEqual(r.code, 0);
  assert.deepEqual(JSON.parse(r.stdout.trimEnd()), SV_800_FIELDS);
  assert.match(r.stderr, new RegExp(`^iso8583: ISO8583_ERR_FRAME_LENGTH: .*\\(at byte ${IMAGE.length}\\) in frame 2\n$`));
});

const HEX = IMAGE.toString('hex');
const hexStdin = batch.line(['decode', '--dialect', BINARY_BITMAP, '--input', 'hex'], `${HEX.slice(0, 30)}\n${HEX.slice(30)}\n`);
test('decode --input hex reads hex text from stdin', async () => {
  const r = await hexStdin();
  assert.equal(r.stderr, '');
  assert.deepEqual(JSON.parse(r.stdout), SV_800_FIELDS);
});

// `iso8583 encode | iso8583 decode`: encode prints hex text, decode reads bytes unless told --input hex.
const PURCHASE_HEX = '30323030373032303030303030303830383030303136343131313131313131313131313131313030303030303030303030303030323530303030303030325445524D30303031383430';
const hexPiped = batch.line(['decode'], `${PURCHASE_HEX}\n`);
const hexPipedFramed = batch.line(['decode', '--frame', 'binary2'], `0049${PURCHASE_HEX}\n`);
const notHex = batch.line(['decode'], 'hello, bank\n');
// A raw 0800 of iso87ascii is all hex characters (no text field); with a line end after it, it does not decode, and
// read as hex its 55 digits are no whole bytes: the reason is the message's own (trailing bytes), not the hint.
const rawAsciiNewline = batch.line(['decode'], '0800822000000000000004000000000000001121103000000001301\n');
test('decode of hex text on stdin without --input hex says to give --input hex, the reason kept, no card data', async () => {
  for (const r of [await hexPiped(), await hexPipedFramed()]) {
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_INPUT: stdin does not decode as the bytes of a wire image and is hex text .*give --input hex .*\(as bytes: ISO8583_ERR_[A-Z_]+: .+\)\n$/);
    assert.doesNotMatch(r.stderr, /4111111111111111|3431313131313131/);
  }
  const other = await notHex();
  assert.equal(other.code, 1);
  assert.doesNotMatch(other.stderr, /--input hex/, 'input that is not hex text keeps its own error');
  const raw = await rawAsciiNewline();
  assert.equal(raw.code, 1);
  assert.match(raw.stderr, /^iso8583: ISO8583_ERR_TRAILING_BYTES: /, 'an odd count of hex digits is no hex text of bytes: its own error');
});

const asXml = batch.line(['decode', '--dialect', BINARY_BITMAP, '--format', 'xml'], IMAGE);
test('decode --format xml prints the ISOMessage document with the fields in ascending order', async () => {
  const r = await asXml();
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /<ISOMessage>/);
  const ids = [...r.stdout.matchAll(/<field id="(\d+)">([^<]*)<\/field>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(Object.fromEntries(ids), SV_800_FIELDS);
  assert.deepEqual(ids.map(([id]) => Number(id)), Object.keys(SV_800_FIELDS).map(Number).sort((a, b) => a - b));
});

const described = batch.line(['decode', '--format', 'describe'], readVectorHex((JPOS_CASES[0] as (typeof JPOS_CASES)[number]).image));
test('decode --format describe names the fields and masks the PAN and the track 2 data', async () => {
  const c = JPOS_CASES[0] as (typeof JPOS_CASES)[number];
  const fields = expectedFields(c);
  const r = await described();
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.ok(r.stdout.includes(fields['0'] as string), 'the MTI is shown');
  assert.ok(r.stdout.includes(fields['41'] as string), 'a field that is not card data is shown');
  assert.ok(!r.stdout.includes(fields['2'] as string), 'the full PAN is not shown');
  const track2 = fields['35'] as string;
  assert.ok(!r.stdout.includes(track2.slice(track2.indexOf('=') + 1)), 'the track 2 data after the separator is hidden');
});

const withHeader = batch.line(['decode', '--dialect', BINARY_BITMAP, '--header-bytes', '5', '--format', 'xml'], Buffer.concat([Buffer.from('6000010000', 'hex'), IMAGE]));
test('decode --header-bytes strips a fixed header and shows it as the XML <header>', async () => {
  const r = await withHeader();
  assert.equal(r.stderr, '');
  const header = /<header>([^<]*)<\/header>/.exec(r.stdout);
  assert.ok(header, 'a <header> element');
  assert.equal(Buffer.from(header[1] as string, 'base64').toString('hex'), '6000010000');
});

/** An 0800 in iso87ascii (`{"0":"0800","11":"000001","70":"301"}`), after a header a peer filled with a card number. */
const ECHO_0800 = Buffer.from('080080200000000000000400000000000000000001301', 'latin1');
const CARD = '4111111111111111';
const headerAs = {
  ascii: Buffer.from(CARD, 'latin1'),
  bcd: Buffer.from(CARD, 'hex'),
  ebcdic: Buffer.from(CARD.split('').map((d) => 0xf0 + Number(d))),
};
const headerLines = Object.entries(headerAs).map(([form, header]) =>
  [form, header, batch.line(['decode', '--header-bytes', String(header.length), '--format', 'describe'], Buffer.concat([header, ECHO_0800]))] as const);
test('decode --format describe masks a card number in a header (ASCII, BCD or EBCDIC)', async () => {
  for (const [form, header, line] of headerLines) {
    const r = await line();
    assert.equal(r.stderr, '', form);
    const shown = /^header: (.*)$/m.exec(r.stdout)?.[1];
    assert.ok(shown !== undefined, `${form}: a header line`);
    assert.ok(!shown.includes(header.toString('hex').toUpperCase()), `${form}: the header as it came: ${shown}`);
    assert.ok(shown.includes('*'), `${form}: masked: ${shown}`);
    assert.match(r.stdout, /^70 +NETWORK MANAGEMENT INFORMATION CODE: 301$/m, form);
  }
});

// Headers of digits that hold no card number (a BASE24 header, the ASCII of an amount, a TPDU, 12 BCD digits that fail
// the Luhn check): shown as they came.
const plainHeaders = [Buffer.from('ISO001000000', 'latin1'), Buffer.from('000000001000', 'latin1'), Buffer.from('6000010000', 'hex'), Buffer.from('123456789012', 'hex')];
const plainHeaderLines = plainHeaders.map((header) =>
  [header, batch.line(['decode', '--header-bytes', String(header.length), '--format', 'describe'], Buffer.concat([header, ECHO_0800]))] as const);
test('decode --format describe shows a header of digits that holds no card number as it came (BASE24, TPDU)', async () => {
  for (const [header, line] of plainHeaderLines) {
    const r = await line();
    assert.equal(r.stderr, '');
    assert.equal(/^header: (.*)$/m.exec(r.stdout)?.[1], header.toString('hex').toUpperCase());
  }
});

const ATM = (JSON.parse(readFileSync(vectorPath('wso2/messages.json'), 'utf8')) as Record<string, { ascii: string; fields: Fields }>)
  .atm_0200_with_ascii4_length as { ascii: string; fields: Fields };
const ATM_ARGS = ['decode', '--frame', 'ascii4', '--dialect', vectorPath('wso2/jposdef.xml')];
const atmStrict = batch.line(ATM_ARGS, ATM.ascii);
const atmLenient = batch.line([...ATM_ARGS, '--lenient'], ATM.ascii);
test('decode --lenient accepts the WSO2 ATM 0200 whose n6 field 3 holds letters; without it, field 3 is named', async () => {
  const vector = ATM;
  const strict = await atmStrict();
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /^iso8583: ISO8583_ERR_FIELD_TYPE: field 3: /);
  assert.ok(!strict.stderr.includes(vector.fields['2'] as string), 'no PAN in the error');
  const lenient = await atmLenient();
  assert.equal(lenient.stderr, '');
  assert.deepEqual(JSON.parse(lenient.stdout), vector.fields);
});

test('decode --frame prints each message as its frame arrives, before stdin ends', async (t) => {
  const frame = FRAME;
  const child = spawn(process.execPath, [BIN, 'decode', '--dialect', BINARY_BITMAP, '--frame', 'ascii4'], { stdio: 'pipe' });
  t.after(() => child.kill());
  let out = '';
  const lines = (n: number): Promise<void> => new Promise((resolve, reject) => {
    const check = (): void => {
      if (out.split('\n').length > n) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    const onData = (b: Buffer): void => {
      out += b.toString('utf8');
      check();
    };
    child.stdout.on('data', onData);
    child.once('close', () => reject(new Error(`the command ended with ${JSON.stringify(out)}`)));
    check();
  });
  // half a frame, then the rest with half of the next: the first message is printed while stdin is still open
  child.stdin.write(frame.subarray(0, 30));
  child.stdin.write(Buffer.concat([frame.subarray(30), frame.subarray(0, 10)]));
  await lines(1);
  assert.deepEqual(JSON.parse(out.split('\n')[0] as string), SV_800_FIELDS);
  child.stdin.end(frame.subarray(10));
  await lines(2);
  assert.deepEqual(out.trimEnd().split('\n').map((l) => JSON.parse(l) as Fields), [SV_800_FIELDS, SV_800_FIELDS]);
});
