// The console's workbench: a wire image decoded into named, masked rows (EMV field 55 as named tags, values hidden);
// every bad request a coded 400 error naming the field; the recent-transaction summaries masked the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, encodeFrame, encodeKeepAlive, resolveDialect } from '@iso8583/codec';
import { TransactionRing } from '../src/index.js';
import { decodeRequest, fieldRows, workbenchDialects } from '../src/console/workbench.js';

const EMV = '9F2608571F1E10BD3AC8B99F2701808202580095050000000000';
const PURCHASE = {
  '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': '000001',
  '35': '4111111111111111=30121010000012345678', '41': 'TERM0001', '52': '0123456789ABCDEF', '55': EMV,
};
const dialects = workbenchDialects({ upstream: 'iso87ascii' });
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase();
const wire = hex(createCodec('iso87ascii').pack(PURCHASE));

test('decode – every field with its name; the PAN as 411111******1111, track 2 and the PIN block masked', () => {
  const decoded = decodeRequest({ hex: wire, dialect: 'iso87ascii' }, dialects);
  const byId = new Map(decoded.fields.map((f) => [f.id, f]));
  assert.equal(byId.get('2')?.value, '411111******1111');
  assert.equal(byId.get('2')?.name, 'PRIMARY ACCOUNT NUMBER (PAN)');
  assert.equal(byId.get('2')?.masked, 'pan');
  assert.equal(byId.get('35')?.value, '411111******1111=********************');
  assert.equal(byId.get('52')?.value, '****************');
  assert.equal(byId.get('0')?.meaning, 'ISO 8583:1987, financial, request, acquirer');
  assert.equal(byId.get('3')?.meaning, 'goods and services (purchase)');
  assert.doesNotMatch(JSON.stringify(decoded), /4111111111111111|0123456789ABCDEF|30121010000012345678|571F1E10/);
});

test('decode – field 55 as its tags with their names and sizes, never the values', () => {
  const f55 = decodeRequest({ hex: wire }, dialects).fields.find((f) => f.id === '55');
  assert.ok(f55 !== undefined);
  assert.deepEqual(f55.tags, [
    { tag: '9F26', name: 'Application Cryptogram', bytes: 8 },
    { tag: '9F27', name: 'Cryptogram Information Data', bytes: 1 },
    { tag: '82', name: 'Application Interchange Profile', bytes: 2 },
    { tag: '95', name: 'Terminal Verification Results', bytes: 5 },
  ]);
  assert.equal(f55.value, '4 data objects, values hidden');
});

test('decode – field 55 whose tags do not read without doubt (a short 5A: PAN digits as tags) shows only its size', () => {
  // 5A03 for an 8-byte PAN (Mastercard test card 5105105105105100): 51 05 10 5F 2A ... were listed as tags 51, 02.
  const pan = '5105105105105100';
  const f55 = `5A03${pan}5F2A0209789F02060000000010009F03060000000000009F1A020250`;
  const row = fieldRows({ 0: '0200', 3: '000000', 55: f55 }, resolveDialect('iso87binary')).find((r) => r.id === '55');
  assert.deepEqual(row, { id: '55', name: 'RESERVED ISO (ICC DATA)', value: '[38 bytes hidden]', masked: 'emv' });
  const bad = fieldRows({ 0: '0200', 55: '5A0847' }, resolveDialect('iso87binary')).find((r) => r.id === '55');
  assert.deepEqual(bad, { id: '55', name: 'RESERVED ISO (ICC DATA)', value: '[3 bytes hidden]', masked: 'emv' });
});

test('decode – a framed image (binary2 length + 5-byte TPDU): the header shown, the message decoded', () => {
  const tpdu = Buffer.from('6000010000', 'hex');
  const framed = encodeFrame(createCodec('iso87ascii').pack(PURCHASE), { lengthHeader: 'binary2', headerBytes: 5 }, tpdu);
  const decoded = decodeRequest({ hex: hex(framed), frame: 'binary2', headerBytes: 5 }, dialects);
  assert.equal(decoded.header, '6000010000');
  assert.equal(decoded.fields.find((f) => f.id === '11')?.value, '000001');
});

test('decode – a header is read as free text: a card number a peer put there (ASCII or BCD) is masked, a TPDU shown', () => {
  for (const header of [Buffer.from('4111111111111111', 'latin1'), Buffer.from('4111111111111111', 'hex')]) {
    const framed = encodeFrame(createCodec('iso87ascii').pack(PURCHASE), { lengthHeader: 'binary2', headerBytes: header.length }, header);
    const decoded = decodeRequest({ hex: hex(framed), frame: 'binary2', headerBytes: header.length }, dialects);
    assert.ok(!decoded.header.includes(hex(header)) && decoded.header.includes('*'), decoded.header);
    assert.equal(decoded.header.length, 2 * header.length);
  }
});

test('decode – each bad request is ISO8583_ERR_CONSOLE_INPUT naming the field; a bad image the codec\'s own code', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ hex: '08zz' }, 'hex'],
    [{ hex: '080' }, 'hex'],
    [{ hex: '' }, 'hex'],
    [{ hex: 42 }, 'hex'],
    [{ hex: wire, dialect: '/etc/passwd' }, 'dialect'],
    [{ hex: wire, frame: 'binary3' }, 'frame'],
    [{ hex: wire, headerBytes: -1 }, 'headerBytes'],
    [{ hex: '0010', frame: 'binary2' }, 'hex'],
  ];
  for (const [body, field] of cases) {
    assert.throws(() => decodeRequest(body, dialects), (err: { code?: string; field?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONSOLE_INPUT', JSON.stringify(body));
      assert.equal(err.field, field, JSON.stringify(body));
      return true;
    });
  }
  assert.throws(() => decodeRequest({ hex: 'FFFFFFFF' }, dialects), (err: { code?: string }) => err.code === 'ISO8583_ERR_MTI');
});

test('decode – a bad hex digit\'s position counted in the text as given (white space and 0x included), as the commands count it', () => {
  const cases: [string, number][] = [
    ['08zz', 3],
    ['0x 08 00 g0', 10],
    ['  0X0800\n  2x', 13],
  ];
  for (const [hexText, position] of cases) {
    assert.throws(() => decodeRequest({ hex: hexText }, dialects), { code: 'ISO8583_ERR_CONSOLE_INPUT', message: `hex: not a hex digit at position ${position}` }, hexText);
  }
});

test('rows – a response masked by the dialect of the server (as describe() masks)', () => {
  const rows = fieldRows({ '0': '0210', '2': '5555555555554444', '39': '51' }, resolveDialect('iso87ascii'));
  assert.deepEqual(rows.map((r) => [r.id, r.value, r.meaning]), [
    ['0', '0210', 'ISO 8583:1987, financial, request response, acquirer'],
    ['2', '555555******4444', undefined],
    ['39', '51', 'insufficient funds'],
  ]);
});

test('rows – a PAN in free text (48, 62, a field not in the dialect) masked as describe() masks it; keys shown as they are', () => {
  const message = { '0': '0200', '11': '000123', '37': '412345678901', '41': 'TERM0001', '48': 'CARD 4761739001010010 REF', '62': 'X4761739001010010' };
  const rows = fieldRows(message, resolveDialect('iso87ascii'));
  assert.deepEqual(rows.map((r) => [r.id, r.value]), [
    ['0', '0200'], ['11', '000123'], ['37', '412345678901'], ['41', 'TERM0001'], ['48', 'CARD 476173******0010 REF'], ['62', 'X476173******0010'],
  ]);
  const decoded = decodeRequest({ hex: hex(createCodec('iso87ascii').pack(message)) }, dialects);
  assert.doesNotMatch(JSON.stringify(decoded), /4761739001010010/);
});

test('rows – a key that is not a field number (a card number as a key) is shown masked, after the fields, never whole', () => {
  const PAN = '4111111111111111';
  const message = { '0': '0210', '39': '00', [PAN]: `${PAN}=2512`, '127': { '2': 'SWITCHKEY', [PAN]: 'x' } };
  const rows = fieldRows(message as never, resolveDialect('iso87ascii'));
  assert.doesNotMatch(JSON.stringify(rows), /4111111111111111|1111111/);
  assert.deepEqual(rows.map((r) => r.id), ['0', '39', '127', '411111******1111']);
  assert.equal(rows[3]!.value, '411111******1111=****');
  assert.deepEqual(rows[2]!.fields!.map((r) => [r.id, r.value]), [['127.2', 'SWITCHKEY'], ['127.411111******1111', 'x']]);
});

test('recent – a record keeps the masked PAN (field 2, else track 2) and no track, PIN, field 55 or field 48', async () => {
  const ring = new TransactionRing();
  const target = {
    request: async (m: Record<string, unknown>) => {
      if (m['2'] === undefined) throw Object.assign(new Error('no answer'), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
      return { '0': '0210', '11': '000001', '39': '00', '38': 'A1B2C3' };
    },
    sendMessage: async (input: unknown) => input,
  };
  const wrapped = ring.wrap(target as never, 'bank') as unknown as typeof target;
  await wrapped.request({ ...PURCHASE, '48': 'SECRET-ADDITIONAL-DATA' });
  const [record] = ring.list();
  assert.equal(record?.pan, '411111******1111');
  assert.equal(record?.outcome, 'approved');
  assert.equal(record?.authCode, 'A1B2C3');
  assert.equal(record?.upstream, 'bank');
  assert.doesNotMatch(JSON.stringify(record), /4111111111111111|30121010000012345678|0123456789ABCDEF|9F26|SECRET/);
  await assert.rejects(wrapped.request({ '0': '0200', '11': '000002', '35': PURCHASE['35'] }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [fromTrack] = ring.list();
  assert.equal(fromTrack?.pan, '411111******1111');
  assert.equal(fromTrack?.outcome, 'timeout');
  assert.equal(fromTrack?.errorCode, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.doesNotMatch(JSON.stringify(ring.list()), /4111111111111111|30121010000012345678/);
});

test('recent – the ring is a transaction log in memory: queries checked, newest first, filtered, pruned', async () => {
  const ring = new TransactionRing({ size: 3 });
  const at = 1_700_000_000_000;
  for (let i = 1; i <= 4; i += 1) {
    await ring.record({ at: at + i, node: 'n', upstream: 'bank', mti: '0200', stan: String(i).padStart(6, '0'), terminal: i % 2 === 0 ? 'EVEN' : 'ODD', latencyMs: i, outcome: 'approved' });
  }
  assert.deepEqual((await ring.query({})).map((r) => r.stan), ['000004', '000003', '000002']);
  assert.deepEqual((await ring.query({ terminal: 'EVEN' })).map((r) => r.stan), ['000004', '000002']);
  assert.deepEqual((await ring.query({ stan: '3' })).map((r) => r.stan), ['000003']);
  assert.deepEqual((await ring.query({ limit: 1 })).map((r) => r.stan), ['000004']);
  await assert.rejects(ring.query({ stan: 'x' }), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', field: 'stan' });
  assert.equal(await ring.prune(at + 3), 1);
  assert.deepEqual(ring.list().map((r) => r.stan), ['000004', '000003']);
});

test('recent – the ring keeps the last N, newest first, and records what goes through a wrapped target', async () => {
  const ring = new TransactionRing({ size: 3 });
  const target = {
    request: async (m: Record<string, unknown>) => ({ '0': '0210', '11': String(m['11']), '39': m['11'] === '000002' ? '05' : '00' }),
    sendMessage: async (input: unknown) => input,
  };
  const wrapped = ring.wrap(target as never, 'bank') as unknown as typeof target;
  for (let i = 1; i <= 4; i += 1) await wrapped.request({ '0': '0200', '11': String(i).padStart(6, '0') });
  assert.deepEqual(ring.list().map((r) => [r.stan, r.outcome]), [['000004', 'approved'], ['000003', 'approved'], ['000002', 'declined']]);
  assert.equal(ring.takeLatencies().length, 4);
  assert.equal(ring.takeLatencies().length, 0);
});

test('decode – bytes after the first frame are refused with their count, never dropped', () => {
  const codec = createCodec('iso87ascii');
  const one = encodeFrame(codec.pack(PURCHASE), { lengthHeader: 'binary2' });
  const echo = encodeFrame(codec.pack({ '0': '0800', '11': '000002', '70': '301' }), { lengthHeader: 'binary2' });
  const refused = (image: Uint8Array, message: string) =>
    assert.throws(() => decodeRequest({ hex: hex(image), frame: 'binary2' }, dialects), (err: Error & { code?: string; field?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONSOLE_INPUT');
      assert.equal(err.field, 'hex');
      assert.equal(err.message, message);
      assert.doesNotMatch(err.message, /4111111111111111/);
      return true;
    });
  refused(Buffer.concat([one, echo]), `hex: ${echo.length} bytes after the first binary2 frame (1 more whole frame): decode one frame at a time`);
  refused(Buffer.concat([one, echo, echo]), `hex: ${2 * echo.length} bytes after the first binary2 frame (2 more whole frames): decode one frame at a time`);
  refused(Buffer.concat([one, echo.subarray(0, 7)]), 'hex: 7 bytes after the first binary2 frame (the start of another frame): decode one frame at a time');
  // Zero-length keep-alive frames after the first are counted too (they were dropped without a word).
  const keepAlive = encodeKeepAlive({ lengthHeader: 'binary2' });
  refused(Buffer.concat([one, keepAlive]), 'hex: 2 bytes after the first binary2 frame (1 keep-alive frame): decode one frame at a time');
  refused(Buffer.concat([one, keepAlive, keepAlive]), 'hex: 4 bytes after the first binary2 frame (2 keep-alive frames): decode one frame at a time');
  refused(Buffer.concat([one, keepAlive, echo]), `hex: ${2 + echo.length} bytes after the first binary2 frame (1 more whole frame, 1 keep-alive frame): decode one frame at a time`);
  // Before the first frame they are skipped, as a connection skips them.
  assert.equal(decodeRequest({ hex: hex(Buffer.concat([keepAlive, one])), frame: 'binary2' }, dialects).fields.find((f) => f.id === '0')?.value, '0200');
  // One frame alone decodes, and the second one alone too.
  assert.equal(decodeRequest({ hex: hex(one), frame: 'binary2' }, dialects).fields.find((f) => f.id === '0')?.value, '0200');
  assert.equal(decodeRequest({ hex: hex(echo), frame: 'binary2' }, dialects).fields.find((f) => f.id === '0')?.value, '0800');
});

test('decode – field 39\'s meaning follows the MTI\'s edition, as the codec\'s isApprovalClass reads it, not the dialect\'s version', () => {
  const meaning = (dialect: string, mti: string, code: string): string | undefined =>
    fieldRows({ '0': mti, '39': code }, resolveDialect(dialect)).find((r) => r.id === '39')?.meaning;
  // A 1993 dialect answering a 1987 MTI: the 1987 code in 3 digits; its own 2-character code read as the 1987 one.
  assert.equal(meaning('iso93ascii', '0210', '051'), 'insufficient funds');
  assert.equal(meaning('iso93ascii', '0210', '000'), 'approved');
  assert.equal(meaning('iso93ascii', '1210', '51'), 'insufficient funds');
  // 1993 action codes under a 1993 MTI, whatever the dialect's version (SmartVista's is 1987, with a 3-digit field 39).
  assert.equal(meaning('iso93ascii', '1210', '116'), 'insufficient funds');
  assert.equal(meaning('iso93ascii', '1110', '000'), 'approved');
  assert.equal(meaning('smartvista', '1210', '116'), 'insufficient funds');
  assert.equal(meaning('iso93ascii', '1210', '909'), 'system malfunction');
  assert.equal(meaning('smartvista', '0210', '051'), 'insufficient funds');
  // As before: the 1987 codes of a 1987 dialect; a code with no common meaning has none.
  assert.equal(meaning('iso87ascii', '0210', '51'), 'insufficient funds');
  assert.equal(meaning('iso93ascii', '1210', '999'), undefined);
});
