// A dialect that does not load is refused naming `dialect` with the codec's reason (the file cannot be read, which
// key of the dialect is wrong), not only the codec's code: `dialect (cannot be loaded (ISO8583_ERR_DIALECT_INVALID))`
// told the user nothing to fix. A dialect holds no card data. Real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnector } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

/** The reason of the `dialect` problem `createConnector` throws for `dialect`. */
function dialectReason(dialect: string): string {
  try {
    createConnector({ host: '127.0.0.1', port: 1, dialect });
  } catch (err) {
    const e = err as { code?: string; message?: string; problems?: { field: string; reason: string }[] };
    assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
    const problem = e.problems?.find((p) => p.field === 'dialect');
    assert.ok(problem !== undefined, JSON.stringify(e.problems));
    assert.ok(e.message?.includes(problem.reason), 'the message tells the reason too');
    return problem.reason;
  }
  return assert.fail('refused');
}

test('a dialect file that is missing or invalid is refused with the codec\'s reason and code', (t) => {
  const dir = tempDir(t, 'dialect-reason');
  assert.equal(dialectReason(join(dir, 'missing.json')), 'cannot be loaded: the dialect file cannot be read: ENOENT (ISO8583_ERR_DIALECT_UNKNOWN)');
  const noName = join(dir, 'noname.json');
  writeFileSync(noName, JSON.stringify({ extends: 'iso87ascii' }));
  assert.equal(dialectReason(noName), 'cannot be loaded: invalid dialect: name (is required) (ISO8583_ERR_DIALECT_INVALID)');
});
