// Answers without field 7 were kept in the connector's answers ring for their transaction (late-keys.ts `answered`),
// to know that another transaction was answered under a key: with a match key naming fields 11 and 41 no other can
// be, and they pushed the copy marks of answers with field 7 out of the ring sooner (sr64j #2; up to 2.9 MiB a
// connection's worth for a host that echoes no field 7). Such a key keeps none now; a key without field 41 still does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { ANSWERED_KEYS, LateKeys } from '../src/late-keys.js';

const DIALECT = getDialect('iso87ascii');
const withEcho: IsoMessage = { '0': '0210', '7': '1206080000', '11': '005968', '41': 'TERM0025', '39': '00' };

test('late keys (match key 0, 11, 41): answers without field 7 take no place of the ring, a copy mark outlives them', () => {
  const late = new LateKeys(DIALECT, ['0', '11', '41']);
  late.answered('a0', '1206080000', withEcho, { stan: '005968', terminal: 'TERM0025' });
  for (let i = 0; i < ANSWERED_KEYS; i++) {
    const stan = String(i).padStart(6, '0');
    late.answered(`b${i}`, undefined, { '0': '0210', '11': stan, '41': 'TERM0026', '39': '00' }, { stan, terminal: 'TERM0026' });
  }
  assert.equal(late.stale('a0', '1206080001', withEcho), 'duplicate', 'the copy of the answer with field 7 is still told');
  assert.equal(late.copyOfAnswer('a0', withEcho), 'copy');
});

test('late keys (match key 0, 11), guard: an answer without field 7 of another terminal under the key still leaves a late answer untied', () => {
  const late = new LateKeys(DIALECT, ['0', '11']);
  late.answered('k', undefined, { '0': '0210', '11': '005968', '41': 'TERM0027', '39': '00' }, { stan: '005968', terminal: 'TERM0027' });
  late.timedOut('k', undefined, { mti: '0200', processingCode: '000000', amount: '000000001000', stan: '005968', terminal: 'TERM0025' });
  const sent = late.lateAnswer('k', { '0': '0210', '11': '005968', '4': '000000001000', '39': '00' });
  assert.ok(typeof sent === 'object', 'its late answer');
  assert.equal(sent.terminal, undefined, 'not given a terminal: another terminal\'s answer came under the key');
});
