import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempFolder } from '../src/index.js';

// node:test runs `after` hooks in the order they were registered: a removal registered when the folder was made ran
// before the hooks registered later (a connector's destroy), whose writer then still wrote into the folder.
test('tempFolder – the folder is removed after the hooks registered after it, and is gone once the test ends', async (t) => {
  let dir = '';
  const seen: string[] = [];
  await t.test('a test that makes the folder, then starts a writer stopped by a later hook', (inner) => {
    dir = tempFolder(inner, 'iso8583-temp-folder-');
    inner.after(() => {
      // The writer's last write at its stop (as a transaction log's batch at close).
      seen.push(`stop: folder ${existsSync(dir) ? 'there' : 'gone'}`);
      writeFileSync(join(dir, 'last-batch.jsonl'), '{}\n');
    });
    inner.after(() => seen.push(`second stop: folder ${existsSync(dir) ? 'there' : 'gone'}`));
  });
  assert.deepEqual(seen, ['stop: folder there', 'second stop: folder there']);
  assert.equal(existsSync(dir), false, 'the folder and the file written at the stop are removed');
});
