// createLogger on standard error: a line logged while standard error fails (EIO, a full disk) is held, and the flush
// at the end tries it once more: a standard error that recovered gets it (the last error line of a run, say) even when
// nothing else is logged; one still failing loses it without holding or throwing. Standard error's writes are taken at
// `fs.writeSync` (SonicBoom's own call), failing or recorded as the test says: nothing reaches the runner's stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createLogger } from '../src/index.js';

/** Standard error's writes recorded while `broken` is false, failing with EIO while it is true. */
function takeStderr(t: { after: (fn: () => void) => void }): { written: string[]; broken: boolean } {
  const state = { written: [] as string[], broken: false };
  const original = fs.writeSync;
  const patched = (fd: number, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]): number => {
    if (fd !== 2) return (original as (...a: unknown[]) => number)(fd, data, ...rest);
    if (state.broken) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
    const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    state.written.push(text);
    return Buffer.byteLength(text);
  };
  fs.writeSync = patched as typeof fs.writeSync;
  t.after(() => {
    fs.writeSync = original;
  });
  return state;
}

test('createLogger – a line held while standard error failed is written by the flush once it recovered', (t) => {
  const stderr = takeStderr(t);
  const log = createLogger({ level: 'info', name: 'test', format: 'json' });
  stderr.broken = true;
  log.logger.error('the last error line');
  assert.deepEqual(stderr.written, [], 'nothing written while standard error fails');
  stderr.broken = false;
  log.flush();
  assert.equal(stderr.written.length, 1, 'the held line written by the flush');
  assert.match(stderr.written[0] ?? '', /"msg":"the last error line"/);
});

test('createLogger – the flush while standard error still fails neither throws nor blocks, and the line is kept', (t) => {
  const stderr = takeStderr(t);
  const log = createLogger({ level: 'info', name: 'test', format: 'json' });
  stderr.broken = true;
  log.logger.error('held');
  assert.doesNotThrow(() => log.flush());
  stderr.broken = false;
  log.flush();
  assert.match(stderr.written.join(''), /"msg":"held"/);
});
