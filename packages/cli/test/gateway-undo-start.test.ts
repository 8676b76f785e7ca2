// A start that fails part way releases what it took and fails with its own error (a journal or a port in use): a
// release that fails too (a log that cannot be closed) is logged with its code and never takes that error's place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Iso8583Error } from '@iso8583/codec';
import { undoKeeping } from '../src/gateway/undo-start.js';

function capture(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

test('gateway start undo – a release that fails keeps the start\'s own error and logs its own, coded', async () => {
  const { logger, lines } = capture();
  const start = new Iso8583Error('ISO8583_ERR_CLI_LISTEN', '--listen: cannot listen on 127.0.0.1:8583 (EADDRINUSE)');
  const release = new Iso8583Error('ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', 'the transaction log cannot be closed');
  let undone = false;
  const thrown = await undoKeeping(start, async () => {
    undone = true;
    throw release;
  }, logger);
  assert.equal(undone, true);
  assert.equal(thrown, start, 'the start\'s error is the one the operator sees');
  const line = lines.find((l) => l.msg === 'the failed start could not release all it took');
  assert.ok(line, JSON.stringify(lines));
  assert.equal(line.code, 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG');
  assert.equal(line.startCode, 'ISO8583_ERR_CLI_LISTEN');
  assert.equal(line.level, 50);
});

test('gateway start undo – a release without a code is logged as unexpected; a release that succeeds logs nothing', async () => {
  const { logger, lines } = capture();
  const start = new Error('boom');
  assert.equal(await undoKeeping(start, () => Promise.reject(new Error('close failed')), logger), start);
  assert.equal(lines[0]?.code, 'ISO8583_ERR_CLI_UNEXPECTED');
  lines.length = 0;
  assert.equal(await undoKeeping(start, () => Promise.resolve(), logger), start);
  assert.deepEqual(lines, []);
});
