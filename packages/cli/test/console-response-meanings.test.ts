// The console's outcomes table names what each response code means (the `hello` event's `responseCodes`, read by key:
// the code as the upstream or the gateway wrote it). Checked against ISO 8583:1987's response codes and ISO
// 8583:1993's action codes: a 1993 network's outcomes (000, 002, 116, 909, 911...) had no meaning at all, nor did
// 1987 codes the toolkit itself writes (10, the host simulator's partial approval; 25, a reversal with no original).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionCode1993 } from '@iso8583/codec';
import { fieldRows } from '../src/console/workbench.js';
import { resolveDialect } from '@iso8583/codec';
import { OUTCOME_MEANINGS } from '../src/console/response-codes.js';

test('outcomes – every code the toolkit writes has a meaning, 1987 and 1993 alike, each the standard\'s', () => {
  const m = OUTCOME_MEANINGS;
  // 1987 response codes (two characters).
  assert.equal(m['00'], 'approved');
  assert.equal(m['10'], 'approved for partial amount');
  assert.equal(m['25'], 'unable to locate record on file');
  assert.equal(m['92'], 'financial institution or intermediate network cannot be found for routing');
  assert.equal(m['75'], 'allowable number of PIN tries exceeded');
  // 1993 action codes (three digits).
  assert.equal(m['000'], 'approved');
  assert.equal(m['002'], 'approved for partial amount (1993); refer to card issuer, special condition (1987 02)');
  assert.equal(m['116'], 'insufficient funds');
  assert.equal(m['208'], 'lost card, pick up');
  assert.equal(m['400'], 'accepted (reversal)');
  assert.equal(m['800'], 'accepted (network management)');
  assert.equal(m['909'], 'system malfunction');
  assert.equal(m['911'], 'card issuer timed out');
  // A 1987 code written in 3 digits (SmartVista's 051) where 1993 has no action code.
  assert.equal(m['051'], 'insufficient funds');
  // Both readings where the two tables differ (001: 1993 honour with identification, 1987 01 in 3 digits).
  assert.equal(m['001'], 'honour with identification (1993); refer to card issuer (1987 01)');
  // Every code the codec writes for a 1987 one, in every class, has the 1987 code's meaning or its own.
  for (const code of ['00', '05', '10', '12', '13', '14', '25', '30', '41', '43', '51', '54', '55', '57', '61', '68', '91', '94', '96']) {
    assert.ok(m[code] !== undefined, code);
    for (const cls of ['1', '2', '4', '8']) assert.ok(m[actionCode1993(code, cls)] !== undefined, `${code} in class ${cls}`);
  }
});

test('workbench – field 39 of a 1993 answer reads the 1993 table: codes with no 1987 counterpart have their meaning', () => {
  const meaning = (mti: string, code: string): string | undefined =>
    fieldRows({ '0': mti, '39': code }, resolveDialect('iso93ascii')).find((r) => r.id === '39')?.meaning;
  assert.equal(meaning('1210', '002'), 'approved for partial amount');
  assert.equal(meaning('1210', '106'), 'allowable PIN tries exceeded');
  assert.equal(meaning('1430', '400'), 'accepted (reversal)');
  assert.equal(meaning('1814', '800'), 'accepted (network management)');
  assert.equal(meaning('1210', '911'), 'card issuer timed out');
  assert.equal(meaning('0210', '10'), 'approved for partial amount');
});
