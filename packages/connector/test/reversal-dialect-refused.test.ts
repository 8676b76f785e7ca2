// A connector with reversal on refuses, at createConnector, a dialect whose reversal cannot be packed (every reversal
// would be refused at pack, the host never told): ISO8583_ERR_CONNECTOR_OPTIONS naming the dialect and the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialectFromJson } from '@iso8583/codec';
import { vectorPath } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';

test('reversal on: a dialect whose field 90 cannot hold the 42 digits of a 1987 reversal is refused, naming field 90', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-rev-refused-'));
  // The jPOS 1993 packager read as 1987: its field 90 is n 10 (1993's).
  const dialect = dialectFromJson({ name: 'xml93-as-1987', extends: vectorPath('jpos/packagers/iso93ebcdic-custom.xml'), version: '1987', fields: {} });
  assert.throws(() => createConnector({ host: '127.0.0.1', port: 1, dialect, reversal: { enabled: true, journalDir: dir } }), (err: Error & { code?: string; problems?: { field: string; reason: string }[] }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
    assert.equal(err.problems?.[0]?.field, 'dialect');
    assert.match(err.problems?.[0]?.reason ?? '', /field 90/);
    return true;
  });
  // Without reversal the same dialect is accepted (nothing is reversed).
  const plain = createConnector({ host: '127.0.0.1', port: 1, dialect });
  t.after(() => plain.destroy());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A 1993 dialect without field 56 cannot carry a 1993 reversal either.
  const no56 = dialectFromJson({ name: 'iso93-no56', extends: 'iso93ascii', fields: { '56': null } });
  assert.throws(() => createConnector({ host: '127.0.0.1', port: 1, dialect: no56, reversal: { enabled: true, journalDir: dir } }), /field 56/);
});
