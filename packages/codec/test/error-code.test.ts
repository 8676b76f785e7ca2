import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODE_WITHHELD, isCodeShaped, safeErrorCode } from '../src/index.js';

const PAN = '4761739001010010';
const TRACK2 = `${PAN}=25121011234567890`;

test('safeErrorCode – names pass as they are: ours, Node\'s, PostgreSQL\'s', () => {
  for (const code of ['ISO8583_ERR_CONNECTOR_TIMEOUT', 'ECONNRESET', 'ERR_SOCKET_CLOSED', '23505', 'a.b-c_1']) {
    assert.equal(safeErrorCode(Object.assign(new Error('x'), { code })), code);
  }
});

test('safeErrorCode – a code carrying a PAN or a track, in any form, is withheld', () => {
  const forms = [PAN, `DECLINED_${TRACK2}`, `DECLINED_${PAN}`, `D${PAN}D2512`, `${PAN.slice(0, 4)}-${PAN.slice(4, 8)}-${PAN.slice(8, 12)}-${PAN.slice(12)}`, `pan ${PAN}`, 'x'.repeat(65), ''];
  for (const code of forms) assert.equal(safeErrorCode({ code }), CODE_WITHHELD, code);
});

test('safeErrorCode – no string code is undefined; never throws', () => {
  assert.equal(safeErrorCode(new Error('x')), undefined);
  assert.equal(safeErrorCode({ code: 42 }), undefined);
  assert.equal(safeErrorCode(`DECLINED_${TRACK2}`), undefined);
  assert.equal(safeErrorCode(null), undefined);
  assert.equal(safeErrorCode(undefined), undefined);
  const hostile = Object.defineProperty({}, 'code', { get: () => { throw new Error(PAN); } });
  assert.equal(safeErrorCode(hostile), undefined);
});

test('isCodeShaped – 11 digits pass, 12 do not', () => {
  assert.equal(isCodeShaped('E12345678901'), true);
  assert.equal(isCodeShaped('E123456789012'), false);
});

test('isCodeShaped – a run of 8 to 11 digits passing the Luhn check (a short PAN) is withheld; one failing it passes', () => {
  assert.equal(isCodeShaped('DECLINED_60110004'), false);
  assert.equal(isCodeShaped('DECLINED_12345674'), false);
  assert.equal(isCodeShaped('BATCH_20261201'), true);
  assert.equal(isCodeShaped('E_1234567'), true);
});
