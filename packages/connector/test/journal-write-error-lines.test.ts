// A file journal whose writes fail (a full disk) logged "the reversal journal cannot be written" once per failed
// batch: with requests coming, hundreds of lines a second (216 in 5 s with a SAF backlog), where docs/connector.md
// promises a few. The line is now capped (JOURNAL_WRITE_ERRORS_PER_SECOND per cause), the lines left out counted in
// the next one written (`suppressed`); every failed append is still refused with ISO8583_ERR_CONNECTOR_JOURNAL.
// Real files; the writes fail by helpers/write-faults.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { JOURNAL_WRITE_ERRORS_PER_SECOND } from '../src/journal-recovery.js';
import { advice } from './helpers/reversals.js';
import { capturedLogger, connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';

/** Advices whose journal write fails, one after the other. */
const FAILED = 30;

test('journal – failed writes log "cannot be written" a few times a second, the rest counted in `suppressed`', async (t) => {
  const dir = tempDir(t, 'journal-write-error-lines');
  const faults = await writeFaults(t, dir);
  const { lines, logger } = capturedLogger('info');
  const peer = await peerFor(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, logger, saf: { enabled: true, journalDir: dir, retryInterval: 600_000 } });
  await connector.connect();
  const t0 = performance.now();
  for (let i = 1; i <= FAILED; i++) {
    const stan = String(500000 + i);
    faults.rules.push({ marker: `"11":"${stan}"`, fail: true });
    await assert.rejects(connector.request(advice(stan), { saf: true }), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  }
  const seconds = Math.ceil((performance.now() - t0) / 1000);
  const written = lines.filter((l) => l.msg === 'the reversal journal cannot be written');
  assert.ok(written.length >= 1, 'the failure is logged');
  assert.ok(written.length <= (seconds + 1) * JOURNAL_WRITE_ERRORS_PER_SECOND, `${written.length} lines in ${seconds} s: capped`);
  for (const l of written) {
    assert.equal(l.code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
    assert.equal(l.cause, 'EIO');
    assert.equal(l.path, join(dir, 'reversals.jsonl'), 'the line names the file');
  }
  // Every failure is in a line or counted in a later one, but for those left out after the last line written.
  const told = written.reduce((n, l) => n + 1 + (typeof l.suppressed === 'number' ? l.suppressed : 0), 0);
  assert.ok(told <= FAILED);
  // The journal goes on: the next advice is journaled.
  assert.ok((await connector.request(advice('500999'), { saf: true })).id);
});
