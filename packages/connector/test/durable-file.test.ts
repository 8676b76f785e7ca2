// Blank lines (newline bytes) are written from one shared buffer in chunks: the file gets exactly `size` newlines at
// the position asked, across chunk boundaries, and the bytes around them are untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBlank } from '../src/durable-file.js';

test('writeBlank – writes exactly size newline bytes at position, across chunks of the shared buffer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-blank-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'f');
  const size = 2.5 * 1024 * 1024 + 7;
  writeFileSync(path, Buffer.alloc(size + 20, 0x41));
  const handle = await open(path, 'r+');
  try {
    await writeBlank(handle, size, 10);
    await writeBlank(handle, 0, 0);
  } finally {
    await handle.close();
  }
  const data = readFileSync(path);
  assert.equal(data.length, size + 20);
  assert.ok(data.subarray(0, 10).every((b) => b === 0x41), 'the bytes before are untouched');
  assert.ok(data.subarray(10, 10 + size).every((b) => b === 0x0a), 'blank lines in between');
  assert.ok(data.subarray(10 + size).every((b) => b === 0x41), 'the bytes after are untouched');
});
