// Sensitive authentication data never reaches the journal on disk, wherever the dialect puts it: a field the dialect
// marks track, pin, cvv or emv (48 with the CVV2, 62 of EMV data) refuses an advice sent with saf: true, is never
// copied into a reversal, and may not be named in reversal.fields, as the standard's 35, 36, 45, 52 and 55.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDialect } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import { REVERSAL_FIELDS, buildReversal, createConnector } from '../src/index.js';
import { advice } from './helpers/reversals.js';
import { connectorFor, downPort, tempDir } from './helpers/setup.js';

const CVV2 = 'CVV2=837 ZQX';
const EMV = '9F2608C0FFEE1234567890';

/** iso87ascii with field 48 marked cvv and 62 marked emv, as a network's dialect file would. */
function marked(): Dialect {
  const base = resolveDialect('iso87ascii');
  const fields = { ...base.fields };
  fields['48'] = { ...(fields['48'] as NonNullable<(typeof fields)['48']>), sensitive: 'cvv' };
  fields['62'] = { ...(fields['62'] as NonNullable<(typeof fields)['62']>), sensitive: 'emv' };
  return { ...base, name: 'marked', fields };
}

test('saf – an advice with a field the dialect marks cvv or emv is refused, naming the field; none of it is stored', async (t) => {
  const dir = tempDir(t, 'saf-marked');
  const connector = connectorFor(t, { host: '127.0.0.1', port: await downPort(t), dialect: marked(), saf: { enabled: true, journalDir: dir } });
  for (const [field, value] of [['48', CVV2], ['62', EMV]] as const) {
    await assert.rejects(connector.request({ ...advice('300001'), [field]: value }, { saf: true }), (err: Error & { code?: string; field?: string }) => {
      assert.deepEqual([err.code, err.field], ['ISO8583_ERR_CONNECTOR_SAF', field]);
      assert.match(err.message, /never stored/);
      return !err.message.includes(value);
    });
  }
  const stored = await connector.request(advice('300002'), { saf: true });
  assert.equal(stored.saf, true, 'an advice without them is stored');
  const journal = join(dir, 'reversals.jsonl');
  const text = existsSync(journal) ? readFileSync(journal, 'latin1') : '';
  assert.ok(!text.includes('CVV2') && !text.includes(EMV), text);
});

test('reversal – a field the dialect marks cvv or emv is never copied, and reversal.fields may not name it', () => {
  const dialect = marked();
  const original = { ...advice('300003', '0200'), '48': CVV2, '62': EMV };
  const reversal = buildReversal(original, '0400', { ...dialect, reversal: { copy: ['48', '62'] } }, [...REVERSAL_FIELDS, '48', '62']);
  assert.deepEqual([reversal['48'], reversal['62'], reversal['11']], [undefined, undefined, '300003']);
  assert.throws(
    () => createConnector({ host: '127.0.0.1', port: 1, dialect, reversal: { enabled: true, journalDir: '/tmp/never', fields: [...REVERSAL_FIELDS, '48', '62'] } }),
    (err: { code: string; problems: { field: string; reason: string }[] }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
      const reasons = err.problems.filter((p) => p.field === 'reversal.fields').map((p) => p.reason);
      assert.equal(reasons.length, 2, reasons.join('; '));
      assert.ok(reasons[0]?.includes('field 48') && reasons[1]?.includes('field 62'), reasons.join('; '));
      return true;
    },
  );
  assert.doesNotThrow(() => createConnector({ host: '127.0.0.1', port: 1, reversal: { enabled: true, journalDir: '/tmp/never', fields: [...REVERSAL_FIELDS, '48'] } }).destroy(), 'unmarked, 48 may be named');
});
