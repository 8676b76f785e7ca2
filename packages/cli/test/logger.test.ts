// createLogger: the one process logger; card data in a logged message object is masked, at the top or one level down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SENSITIVE_FIELDS } from '@iso8583/codec';
import { createLogger } from '../src/index.js';
import { REDACTED_PATHS } from '../src/logger.js';

test('createLogger – PAN, tracks, PIN block and EMV data in `fields` are masked; MTI, STAN and terminal are kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-logger-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'log.jsonl');
  const log = createLogger({ file, level: 'info', name: 'test' });
  const fields = {
    '0': '0200', '2': '4111111111111111', '11': '000001', '35': '4111111111111111=30121010000012345678',
    '36': '0123', '45': 'B4111111111111111^TEST^3012', '52': '0123456789ABCDEF', '55': '9F2608', '41': 'TERM0001',
  };
  log.logger.info({ fields }, 'top level');
  log.logger.info({ message: { fields } }, 'one level down');
  await log.close();
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  const text = readFileSync(file, 'utf8');
  assert.doesNotMatch(text, /4111111111111111|30121010000012345678|0123456789ABCDEF|9F2608/);
  const top = (lines[0] as { fields: Record<string, string>; name: string });
  assert.equal(top.name, 'test');
  assert.deepEqual([top.fields['0'], top.fields['11'], top.fields['41'], top.fields['2']], ['0200', '000001', 'TERM0001', '[masked]']);
  const nested = (lines[1] as { message: { fields: Record<string, string> } }).message.fields;
  assert.equal(nested['35'], '[masked]');
  assert.equal(nested['55'], '[masked]');
});

test("createLogger – every field of the codec's card-data list is masked in `fields`: PAN extended (34) and 53 too", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-logger-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'log.jsonl');
  const log = createLogger({ file, level: 'info' });
  // 34 (PAN extended) and 53 (the PIN key data beside the PIN block) were shown as they are.
  const fields = { '0': '0200', '11': '000001', '34': '5413330089010434', '53': '2600000000000000' };
  log.logger.info({ fields }, 'top level');
  log.logger.info({ request: { fields } }, 'one level down');
  await log.close();
  const text = readFileSync(file, 'utf8');
  assert.doesNotMatch(text, /5413330089010434|2600000000000000/);
  const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const top = (lines[0] as { fields: Record<string, string> }).fields;
  assert.deepEqual(top, { '0': '0200', '11': '000001', '34': '[masked]', '53': '[masked]' });
  const nested = (lines[1] as { request: { fields: Record<string, string> } }).request.fields;
  assert.deepEqual([nested['34'], nested['53']], ['[masked]', '[masked]']);
  for (const id of Object.keys(DEFAULT_SENSITIVE_FIELDS)) assert.ok(REDACTED_PATHS.includes(`fields["${id}"]`), `field ${id} is redacted`);
});
