// Blank lines (newline bytes) are written from one shared buffer in chunks: the file gets exactly `size` newlines at
// the position asked, across chunk boundaries, and the bytes around them are untouched; with the data before them,
// in one writev (one durable write through an O_DSYNC handle), short writes repeated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { replaceFile, replaceFrom, writeBlank, writeThenBlank } from '../src/durable-file.js';

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

/** A real file handle whose `writev` calls are counted, each writing at most `cap` bytes (a short write past it). */
function capped(handle: FileHandle, cap: number): { handle: FileHandle; calls: number[] } {
  const calls: number[] = [];
  const writev = async (views: Uint8Array[], position: number): Promise<{ bytesWritten: number; buffers: Uint8Array[] }> => {
    const all = Buffer.concat(views);
    calls.push(all.length);
    const { bytesWritten } = await handle.write(all, 0, Math.min(all.length, cap), position);
    return { bytesWritten, buffers: views };
  };
  return { handle: Object.assign(Object.create(handle) as FileHandle, { writev }), calls };
}

test('writeThenBlank – the data then the blank lines, 4 MiB of them in one writev; a short write is repeated from where it stopped', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-blank-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'f');
  const data = Buffer.from('{"id":"a"}\n{"id":"b"}\n');
  const blank = 4 * 1024 * 1024;
  writeFileSync(path, Buffer.alloc(5, 0x41));
  const real = await open(path, 'r+');
  try {
    const whole = capped(real, Infinity);
    await writeThenBlank(whole.handle, data, blank, 5);
    assert.deepEqual(whole.calls, [data.length + blank], 'one writev');
    let file = readFileSync(path);
    assert.equal(file.length, 5 + data.length + blank);
    assert.deepEqual(file.subarray(0, 5 + data.length), Buffer.concat([Buffer.alloc(5, 0x41), data]));
    assert.ok(file.subarray(5 + data.length).every((b) => b === 0x0a), 'blank lines after the data');

    // Short writes: 7 bytes, then 1 MiB + 3 at a time; each repeat goes on from the byte where the last one stopped.
    writeFileSync(path, Buffer.alloc(0));
    const short = capped(real, 7);
    await writeThenBlank(short.handle, data, 0, 0);
    assert.deepEqual(short.calls, [22, 15, 8, 1]);
    const chunky = capped(real, 1024 * 1024 + 3);
    await writeThenBlank(chunky.handle, data, blank, data.length);
    assert.equal(chunky.calls.length, 5, '4 MiB + 22 bytes, 1 MiB + 3 at a time');
    file = readFileSync(path);
    assert.deepEqual(file.subarray(0, 2 * data.length), Buffer.concat([data, data]));
    assert.equal(file.length, 2 * data.length + blank);
    assert.ok(file.subarray(2 * data.length).every((b) => b === 0x0a));
  } finally {
    await real.close();
  }
});

test('replaceFile and replaceFrom – a rename that fails removes the written file and throws, the target untouched', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-rename-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A real rename failure: the target is a folder that is not empty (EISDIR on Linux, ENOTEMPTY or EEXIST elsewhere).
  const target = join(dir, 'reversals.jsonl');
  mkdirSync(target);
  writeFileSync(join(target, 'kept'), 'x');
  await assert.rejects(replaceFile(target, Buffer.from('{"op":"add"}\n'), 4 * 1024 * 1024), (err: NodeJS.ErrnoException) => {
    assert.ok(['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(err.code ?? ''), String(err.code));
    return true;
  });
  assert.deepEqual(readdirSync(dir), ['reversals.jsonl'], 'no reversals.jsonl.tmp is left');
  const spare = join(dir, 'reversals.jsonl.next');
  writeFileSync(spare, Buffer.alloc(8192, 0x0a));
  await assert.rejects(replaceFrom(spare, target, Buffer.from('{"op":"add"}\n')));
  assert.deepEqual(readdirSync(dir), ['reversals.jsonl'], 'the spare file is removed too');
  assert.deepEqual(readdirSync(target), ['kept']);
});
