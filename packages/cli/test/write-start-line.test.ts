// The start line of a server (io.ts `writeStartLine`, what `simulate-host`, `gateway`, `run` and `demo` announce
// themselves with) that cannot be written: what was opened is closed, and the error reported is the write's, even when
// the close fails too (a close that failed replaced it before: the command then said why its close failed, not that
// its output could not be written). A real stream to /dev/full (ENOSPC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, existsSync } from 'node:fs';
import { writeStartLine } from '../src/io.js';

test('a start line that cannot be written closes what was opened and reports the write\'s error, not the close\'s', async (t) => {
  if (!existsSync('/dev/full')) {
    t.skip('no /dev/full on this system');
    return;
  }
  const full = createWriteStream('/dev/full');
  t.after(() => full.destroy());
  let closes = 0;
  await assert.rejects(
    writeStartLine(full, 'listening on 127.0.0.1:8583\n', async () => {
      closes++;
      throw Object.assign(new Error('the close failed too'), { code: 'ISO8583_ERR_INBOUND_CLOSE' });
    }),
    (err: Error & { code?: unknown }) => {
      assert.equal(err.code, 'ISO8583_ERR_CLI_OUTPUT');
      assert.match(err.message, /^the output cannot be written: ENOSPC .*; stopped, as its start line could not be written$/);
      return true;
    },
  );
  assert.equal(closes, 1, 'what was opened is closed once');
});

test('a start line written closes nothing', async (t) => {
  const devNull = createWriteStream('/dev/null');
  t.after(() => devNull.destroy());
  let closes = 0;
  await writeStartLine(devNull, 'listening on 127.0.0.1:8583\n', async () => {
    closes++;
  });
  assert.equal(closes, 0);
});
