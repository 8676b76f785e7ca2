// What the journal does with a damaged file (bytes kept in quarantine, every intact record recovered, a coded log
// line naming the offsets and never the bytes), with a second process (a lock), and with answered entries (gone from
// the file soon).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import { parseOwner } from '../src/lock-owner.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

const dir = (t: AfterHook): string => tempDir(t, 'jr');

const PAN = '4111111111111111';
const add = (id: string): string => JSON.stringify({ op: 'add', id, at: 1, reversal: { '0': '0400', '2': PAN, '11': id.padStart(6, '0') } });
const done = (id: string): string => JSON.stringify({ op: 'done', id, outcome: 'not-needed', at: 1 });

function quarantined(d: string): string[] {
  return readdirSync(d).filter((f) => f.startsWith('reversals.jsonl.corrupt-'));
}

test('FileJournal – corrupt lines go to quarantine with a warning naming their offsets; every intact record is recovered', async (t) => {
  const d = dir(t);
  const garbage = `{"op":"add","id":"x","reversal":{"2":"${PAN}"  <- damaged`;
  const lines = [add('1'), garbage, add('2'), done('1'), '\u0000\u0000\u0001binary', add('3')];
  writeFileSync(join(d, 'reversals.jsonl'), lines.join('\n') + '\n\n\n');
  const log = capturedLogger();
  const j = new FileJournal(d, { logger: log.logger });
  assert.deepEqual((await j.open()).map((e) => e.id), ['2', '3']);
  await j.close();
  const [file] = quarantined(d);
  assert.ok(file, 'a quarantine file beside the journal');
  assert.equal(readFileSync(join(d, file), 'utf8'), `${garbage}\n\u0000\u0000\u0001binary\n`, 'the bad bytes, kept as they were');
  const warning = log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT');
  assert.ok(warning, 'a coded warning');
  assert.equal(warning.level, 40);
  const offset = (n: number): number => lines.slice(0, n).reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0);
  assert.deepEqual(warning.offsets, [offset(1), offset(4)]);
  assert.equal(warning.quarantine, file);
  assert.doesNotMatch(log.text(), /4111111111111111/, 'the log never carries the bytes');
  assert.doesNotMatch(readFileSync(join(d, 'reversals.jsonl'), 'utf8'), /damaged/, 'the journal itself is clean again');
});

test('FileJournal – a file in which nothing is a record is moved to quarantine whole, not overwritten', async (t) => {
  const d = dir(t);
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x7b, 0x0a, 0x41]);
  writeFileSync(join(d, 'reversals.jsonl'), bytes);
  const log = capturedLogger();
  const j = new FileJournal(d, { logger: log.logger });
  assert.deepEqual(await j.open(), []);
  await j.close();
  const [file] = quarantined(d);
  assert.ok(file);
  assert.deepEqual(readFileSync(join(d, file)), bytes, 'byte for byte');
  const warning = log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT');
  assert.equal(warning?.whole, true);
});

test('FileJournal – the last record cut by a crash is kept in quarantine and logged at info, not as corruption', async (t) => {
  const d = dir(t);
  const cut = '{"op":"add","id":"8","reversal":{"0":"04';
  writeFileSync(join(d, 'reversals.jsonl'), `${add('7')}\n${cut}\n\n\n\n`);
  const log = capturedLogger();
  const j = new FileJournal(d, { logger: log.logger });
  assert.deepEqual((await j.open()).map((e) => e.id), ['7']);
  await j.close();
  const [file] = quarantined(d);
  assert.ok(file);
  assert.equal(readFileSync(join(d, file), 'utf8'), `${cut}\n`);
  assert.equal(log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_CUT')?.level, 30);
  assert.equal(log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_CUT')?.path, join(d, 'reversals.jsonl'));
  assert.equal(log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT'), undefined);
});

test('FileJournal – a file that ends inside a record (truncated) is logged at warn as corruption naming the file, not at info as a crash cut', async (t) => {
  const d = dir(t);
  const cut = '{"op":"add","id":"8","reversal":{"0":"04';
  writeFileSync(join(d, 'reversals.jsonl'), `${add('7')}\n${cut}`);
  const log = capturedLogger();
  const j = new FileJournal(d, { logger: log.logger });
  assert.deepEqual((await j.open()).map((e) => e.id), ['7']);
  await j.close();
  const [file] = quarantined(d);
  assert.equal(readFileSync(join(d, file as string), 'utf8'), `${cut}\n`);
  assert.equal(log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_CUT'), undefined);
  const line = log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT');
  assert.equal(line?.level, 40);
  assert.equal(line?.endsFile, true);
  assert.equal(line?.path, join(d, 'reversals.jsonl'));
  assert.match(String(line?.msg), /ends inside a record .*records after it may be lost/);
});

test('FileJournal – attempts are recovered: a start knows how many attempts of a reversal were sent', async (t) => {
  const d = dir(t);
  writeFileSync(
    join(d, 'reversals.jsonl'),
    [add('1'), JSON.stringify({ op: 'attempt', id: '1', attempt: 1 }), JSON.stringify({ op: 'attempt', id: '1', attempt: 2 }), add('2')].join('\n') + '\n',
  );
  const j = new FileJournal(d);
  assert.deepEqual((await j.open()).map((e) => `${e.id}/${e.attempts ?? 0}`), ['1/2', '2/0']);
  await j.attempt('2', 1);
  await j.close();
  const again = new FileJournal(d);
  assert.deepEqual((await again.open()).map((e) => `${e.id}/${e.attempts ?? 0}`), ['1/2', '2/1'], 'kept by the compaction');
  await again.close();
});

test('FileJournal – a second journal on the same folder is refused with ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED naming it', async (t) => {
  const d = dir(t);
  const first = new FileJournal(d);
  await first.open();
  const second = new FileJournal(d);
  await assert.rejects(second.open(), (err: Error & { code?: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED');
    assert.equal(err.field, 'reversal.journalDir');
    assert.ok(err.message.includes(d), err.message);
    assert.ok(err.message.includes(`process ${process.pid}`), err.message);
    return true;
  });
  // The same folder spelt another way (through a symbolic link) is the same journal.
  symlinkSync(d, `${d}-link`);
  t.after(() => rmSync(`${d}-link`));
  await assert.rejects(new FileJournal(`${d}-link`).open(), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED' });
  await first.close();
  assert.equal(existsSync(join(d, 'reversals.lock')), false, 'released on close');
  await second.open();
  await second.close();
});

test('FileJournal – a lock held by another live process is refused; one left by a dead process is taken over with a warning', async (t) => {
  const d = dir(t);
  // The test runner that started this file is alive, and it is another process.
  writeFileSync(join(d, 'reversals.lock'), `${process.ppid}\n`);
  await assert.rejects(new FileJournal(d).open(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED');
    assert.ok(err.message.includes(`process ${process.ppid}`), err.message);
    return true;
  });
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(gone.stdout);
  writeFileSync(join(d, 'reversals.lock'), `${deadPid}\n`);
  const log = capturedLogger();
  const j = new FileJournal(d, { logger: log.logger });
  await j.open();
  assert.equal(parseOwner(readFileSync(join(d, 'reversals.lock'), 'utf8'))?.pid, process.pid);
  const warning = log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_STALE_LOCK');
  assert.equal(warning?.holderPid, deadPid);
  assert.equal(warning.level, 40);
  await j.close();
});

test('FileJournal – answered entries leave the file: compacted instead of grown when they dominate', async (t) => {
  const d = dir(t);
  const j = new FileJournal(d, { preallocate: 2000, compactInterval: 0 });
  await j.open();
  await j.add({ id: 'live', at: 1, reversal: { '0': '0400', '11': '000001' } });
  for (let i = 0; i < 40; i++) {
    await j.add({ id: `a${i}`, at: 1, reversal: { '0': '0400', '2': PAN, '11': String(i).padStart(6, '0') } });
    await j.done(`a${i}`, 'not-needed');
  }
  assert.ok(j.batches.compactions >= 3, `compacted as the room ran out (${j.batches.compactions})`);
  await j.close();
  const text = readFileSync(j.path, 'utf8');
  assert.ok(Buffer.byteLength(text) < 2000 * 2 + 1000, `the file did not grow (${Buffer.byteLength(text)} bytes)`);
  assert.ok((text.match(/4111111111111111/g) ?? []).length < 10, 'most answered PANs are gone already');
  const again = new FileJournal(d);
  assert.deepEqual((await again.open()).map((e) => e.id), ['live']);
  await again.close();
});

test('FileJournal – every compactInterval, answered entries are compacted away: no answered PAN stays in the file', async (t) => {
  const d = dir(t);
  const j = new FileJournal(d, { compactInterval: 20 });
  t.after(() => j.close());
  await j.open();
  await j.add({ id: 'a', at: 1, reversal: { '0': '0400', '2': PAN, '11': '000001' } });
  await j.add({ id: 'b', at: 1, reversal: { '0': '0400', '11': '000002' } });
  const compacted = once(j, 'compact');
  await j.done('a', 'not-needed');
  const [info] = (await within(compacted, 5000, 'the compaction')) as [{ live: number }];
  assert.equal(info.live, 1);
  assert.doesNotMatch(readFileSync(j.path, 'utf8'), /4111111111111111/);
});
