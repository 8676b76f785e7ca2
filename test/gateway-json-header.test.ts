/**
 * The message header in the gateway's HTTP bodies, with the real binary and a bank whose dialect has a 5-byte header:
 * a JSON body's `"header"` (what `iso8583 decode --format json` prints) is refused with 400 naming `header`, never its
 * value, and nothing reaches the bank; without it the gateway's own header goes (zeros here) and the answer comes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpCall } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-json-header-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const PAN = '4761739001010010';
const purchase = (stan: string): Record<string, string> => ({ '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '11': stan, '41': 'HDR00001' });

describe('a gateway whose upstream dialect has a message header', () => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    const dialect = join(work, 'hdr5.json');
    writeFileSync(dialect, JSON.stringify({ name: 'hdr5', extends: 'iso87ascii', headerLength: 5, fields: {} }));
    const bank = await startSimulator(['--dialect', dialect]);
    gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--dialect', dialect, '--reversal-journal', join(work, 'journal')]);
  });

  test('a JSON body with "header" is refused with 400 naming header, never its value; nothing goes to the bank', async () => {
    const refused = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify({ ...purchase('000101'), header: PAN }));
    assert.equal(refused.status, 400);
    const body = JSON.parse(refused.body) as { result: unknown; errors: { code: string; problems: { field: string; code: string }[] }[] };
    assert.equal(body.result, null);
    assert.equal(body.errors[0]?.code, 'ISO8583_ERR_INVALID_MESSAGE');
    assert.deepEqual(body.errors[0]?.problems.map((p) => [p.field, p.code]), [['header', 'ISO8583_ERR_HEADER']]);
    assert.doesNotMatch(refused.body, /476173/);
    const none = await httpCall(gw.http.port, 'GET', '/transactions?terminal=HDR00001', {});
    assert.deepEqual((JSON.parse(none.body) as { result: unknown[] }).result, [], 'nothing reached the bank');
  });

  test('a JSON body without "header" goes with the gateway\'s own header and is answered', async () => {
    const answered = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify(purchase('000102')));
    assert.equal(answered.status, 200, answered.body);
    const result = (JSON.parse(answered.body) as { result: Record<string, string> }).result;
    assert.equal(result['0'], '0210');
    assert.equal(result['11'], '000102');
    assert.equal(result.header, undefined, 'the answer is the message object: fields only');
  });
});
