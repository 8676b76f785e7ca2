// A full disk, for real: the connector runs in a child process under a file size limit (`ulimit -f`, no root needed),
// so that the journal's writes come back short and then fail, as on a full disk. A request whose reversal is not
// whole and synced must never leave; the bytes a failed write left must not spoil the records written after them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FileJournal } from '../src/index.js';
import { startChild } from './child.js';
import { startPeer } from './peer.js';

const LIMIT_KIB = 8;

test('full disk: a batch cut by a short write fails every request in it (none leaves); the recovery blanks the cut bytes and the next batch is written cleanly', { timeout: 15_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-full-'));
  // The host holds every purchase (their reversals stay live in the journal), and tells at once if a purchase of the
  // failed batch (STAN 007xxx) reaches it.
  let leaked: (err: Error) => void = () => undefined;
  const leak = new Promise<never>((_resolve, reject) => (leaked = reject));
  leak.catch(() => undefined);
  const peer = await startPeer((r) => {
    if (String(r.message['11']).startsWith('007')) leaked(new Error(`purchase ${String(r.message['11'])} left though its reversal was cut`));
  });
  t.after(() => peer.close());
  const first = 60; // ~13 KB of records in one batch: past the 8 KiB limit
  const second = 2;
  const child = startChild('full-disk-child', { port: peer.port, dir, preallocate: 2048, first, second }, `ulimit -f ${LIMIT_KIB};`);
  t.after(() => child.kill());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await Promise.race([child.waitLine('done first'), leak]);
  const rejected = child.lines.filter((l) => l.startsWith('rejected '));
  assert.equal(rejected.length, first, `every request of the cut batch failed (${child.lines.join(' | ')})`);
  for (const line of rejected) assert.match(line, / ISO8583_ERR_CONNECTOR_JOURNAL$/);
  assert.equal(statSync(join(dir, 'reversals.jsonl')).size, LIMIT_KIB * 1024, 'the write was cut at the limit');
  // The small batch fits in the room the file already has: both purchases leave.
  const received = await peer.waitFor(second);
  await child.kill();
  assert.deepEqual(received.map((r) => r.message['11']), ['008001', '008002'], 'none of the failed batch reached the host');

  const logged: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(line) });
  const journal = new FileJournal(dir, { logger });
  const left = await journal.open();
  await journal.close();
  assert.deepEqual(left.map((e) => e.reversal['11']).sort(), ['008001', '008002']);
  assert.deepEqual(
    logged.filter((l) => /JOURNAL_(CORRUPT|CUT)/.test(l)),
    [],
    'no line of the file was spoilt: the cut bytes were overwritten with records and blank lines',
  );
  for (const line of readFileSync(join(dir, 'reversals.jsonl'), 'utf8').split('\n')) if (line !== '') JSON.parse(line);
});

test('full disk at start: the journal cannot be compacted, the start fails with ISO8583_ERR_CONNECTOR_JOURNAL, and the file is kept as it was', { timeout: 15_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-full-'));
  const records = ['1', '2', '3'].map((id) => JSON.stringify({ op: 'add', id, at: 1, reversal: { '0': '0400', '11': `00000${id}` } }) + '\n');
  writeFileSync(join(dir, 'reversals.jsonl'), records.join(''));
  // 1 MiB: less than the 4 MiB the compacted file is preallocated with.
  const child = startChild('journal-open-child', { dir }, 'ulimit -f 1024;');
  t.after(() => child.kill());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(await child.waitLine(''), 'failed ISO8583_ERR_CONNECTOR_JOURNAL EFBIG');
  await child.exited;
  assert.equal(readFileSync(join(dir, 'reversals.jsonl'), 'utf8'), records.join(''), 'the journal is untouched');
  assert.deepEqual(readdirSync(dir).sort(), ['reversals.jsonl'], 'no temporary file and no lock left behind');
  const journal = new FileJournal(dir);
  assert.deepEqual((await journal.open()).map((e) => e.id), ['1', '2', '3']);
  await journal.close();
});
