// The file journal's overlapping writes: up to `concurrentWrites` batches in flight at once, each at its own offset,
// taking effect in order; and what a failed one leaves. The writes go to a real file; a fault injector on the file
// handle's `write` (by the records a write carries) holds a write until the test releases it, or cuts it short with
// ENOSPC after writing part of its bytes for real, so that the order of events is the test's, not the disk's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FileJournal } from '../src/index.js';

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'iso8583-fjo-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '2': '4111111111111111', '11': '000001', '41': id } });

type Write = FileHandle['write'];
interface Rule {
  /** Writes whose bytes contain this text. */
  marker: string;
  /** Called when such a write starts. */
  started?: () => void;
  /** The write waits for it. */
  gate?: Promise<void>;
  /** The write puts the first half of its bytes in the file, then fails with ENOSPC. */
  cut?: boolean;
}

/** Injects faults into FileHandle writes for the rest of the test (the prototype is restored after it). */
async function injector(t: { after(fn: () => void): void }, scratch: string): Promise<Rule[]> {
  const probe = await open(join(scratch, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { write: Write };
  await probe.close();
  const original = proto.write;
  const rules: Rule[] = [];
  proto.write = async function (this: FileHandle, ...args: unknown[]) {
    const [data, offset, length, position] = args as [Buffer, number, number, number];
    const rule = Buffer.isBuffer(data) ? rules.find((r) => data.includes(r.marker)) : undefined;
    if (rule !== undefined) {
      rules.splice(rules.indexOf(rule), 1);
      rule.started?.();
      if (rule.gate !== undefined) await rule.gate;
      if (rule.cut === true) {
        await (original as (...a: unknown[]) => ReturnType<Write>).call(this, data, offset, Math.floor(length / 2), position);
        throw Object.assign(new Error('no space left on the device (injected)'), { code: 'ENOSPC' });
      }
    }
    return (original as (...a: unknown[]) => ReturnType<Write>).apply(this, args);
  } as Write;
  t.after(() => {
    proto.write = original;
  });
  return rules;
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Records the order in which promises settle. */
function track(order: string[], name: string, p: Promise<void>): Promise<void> {
  return p.then(
    () => void order.push(`${name} ok`),
    (err: { code?: string }) => void order.push(`${name} ${err.code ?? 'error'}`),
  );
}

test('FileJournal – a second batch is written while the first is in flight; each takes effect in order, once its own write returned', async (t) => {
  const d = dir(t);
  const rules = await injector(t, d);
  const j = new FileJournal(d, { compactInterval: 0 });
  await j.open();
  const held = gate();
  const firstStarted = gate();
  const secondStarted = gate();
  rules.push({ marker: '"id":"a1"', started: firstStarted.open, gate: held.promise }, { marker: '"id":"b1"', started: secondStarted.open });
  const order: string[] = [];
  const first = track(order, 'a', j.add(entry('a1')));
  const sibling = j.add(entry('a2'));
  await firstStarted.promise;
  const second = track(order, 'b', j.add(entry('b1')));
  await secondStarted.promise; // the second write started while the first is held
  assert.equal(j.writeStats.maxInFlight, 2, 'two writes in flight at once');
  // The second write returns; its append waits for the first (in order): it must not resolve before it.
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.deepEqual(order, [], 'nothing acknowledged while the first write is in flight');
  held.open();
  await Promise.all([first, second, sibling]);
  assert.deepEqual(order, ['a ok', 'b ok']);
  assert.equal(j.size, 3);
  await j.close();
  const again = new FileJournal(d);
  assert.deepEqual((await again.open()).map((e) => e.id).sort(), ['a1', 'a2', 'b1']);
  await again.close();
});

test('FileJournal – the first of two writes in flight fails: its appends are refused, its bytes blanked before the second is acknowledged; nothing of it is read back', async (t) => {
  const d = dir(t);
  const rules = await injector(t, d);
  const j = new FileJournal(d, { compactInterval: 0 });
  await j.open();
  await j.add(entry('k0'));
  const held = gate();
  const firstStarted = gate();
  const secondStarted = gate();
  rules.push({ marker: '"id":"a1"', started: firstStarted.open, gate: held.promise, cut: true }, { marker: '"id":"b1"', started: secondStarted.open });
  const order: string[] = [];
  const first = track(order, 'a', j.add(entry('a1')));
  const siblings = ['a2', 'a3', 'a4'].map((id) => j.add(entry(id)).catch((err: { code?: string }) => err.code));
  await firstStarted.promise;
  const second = track(order, 'b', j.add(entry('b1')));
  await secondStarted.promise;
  held.open();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['a ISO8583_ERR_CONNECTOR_JOURNAL', 'b ok']);
  assert.deepEqual(await Promise.all(siblings), Array(3).fill('ISO8583_ERR_CONNECTOR_JOURNAL'), 'every append of the failed batch refused');
  assert.deepEqual([j.size], [2], 'k0 and b1 live; none of the failed batch');
  // The journal goes on after the failure.
  await j.add(entry('c1'));
  await j.close();
  const text = readFileSync(j.path, 'utf8');
  assert.doesNotMatch(text, /"id":"a\d"/, 'no byte of the failed batch is left in the file');
  const logged: string[] = [];
  const again = new FileJournal(d, { logger: pino({ level: 'info' }, { write: (line: string) => logged.push(line) }) });
  assert.deepEqual((await again.open()).map((e) => e.id).sort(), ['b1', 'c1', 'k0']);
  await again.close();
  assert.deepEqual(logged.filter((l) => /JOURNAL_(CORRUPT|CUT)/.test(l)), [], 'no line of the file is spoilt');
});

test('FileJournal – the second of two writes in flight fails: the first is acknowledged, the second refused, and the next batch is written over its bytes', async (t) => {
  const d = dir(t);
  const rules = await injector(t, d);
  const j = new FileJournal(d, { compactInterval: 0 });
  await j.open();
  const held = gate();
  const firstStarted = gate();
  const secondStarted = gate();
  rules.push({ marker: '"id":"a1"', started: firstStarted.open, gate: held.promise }, { marker: '"id":"b1"', started: secondStarted.open, cut: true });
  const order: string[] = [];
  const first = track(order, 'a', j.add(entry('a1')));
  await firstStarted.promise;
  const second = track(order, 'b', j.add(entry('b1')));
  const siblings = ['b2', 'b3'].map((id) => j.add(entry(id)).catch((err: { code?: string }) => err.code));
  await secondStarted.promise;
  held.open();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['a ok', 'b ISO8583_ERR_CONNECTOR_JOURNAL']);
  assert.deepEqual(await Promise.all(siblings), Array(2).fill('ISO8583_ERR_CONNECTOR_JOURNAL'));
  await j.add(entry('c1'));
  await j.done('a1', 'not-needed');
  await j.close();
  assert.doesNotMatch(readFileSync(j.path, 'utf8'), /"id":"b\d"/, 'the next batch covered the failed bytes');
  const logged: string[] = [];
  const again = new FileJournal(d, { logger: pino({ level: 'info' }, { write: (line: string) => logged.push(line) }) });
  assert.deepEqual((await again.open()).map((e) => e.id), ['c1']);
  await again.close();
  assert.deepEqual(logged.filter((l) => /JOURNAL_(CORRUPT|CUT)/.test(l)), []);
});

test('FileJournal – many concurrent batches: the file read back holds exactly the acknowledged records, in order', async (t) => {
  const d = dir(t);
  const j = new FileJournal(d, { compactInterval: 0, preallocate: 64 * 1024 });
  await j.open();
  const acknowledged: string[] = [];
  // 40 turns of 25 adds, each turn's batch started while earlier ones may be in flight; every other entry done later.
  const turns: Promise<void>[] = [];
  for (let turn = 0; turn < 40; turn++) {
    const ids = Array.from({ length: 25 }, (_, i) => `t${turn}-${i}`);
    turns.push(
      Promise.all(ids.map((id) => j.add(entry(id)))).then(async () => {
        acknowledged.push(...ids);
        await Promise.all(ids.filter((_, i) => i % 2 === 0).map((id) => j.done(id, 'not-needed')));
      }),
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await Promise.all(turns);
  assert.ok(j.writeStats.maxInFlight >= 1 && j.writeStats.maxInFlight <= j.concurrentWrites, `in flight at once: ${j.writeStats.maxInFlight}`);
  assert.equal(acknowledged.length, 1000);
  await j.close();
  const expected = acknowledged.filter((id) => Number(id.split('-')[1]) % 2 === 1).sort();
  const again = new FileJournal(d);
  assert.deepEqual((await again.open()).map((e) => e.id).sort(), expected);
  await again.close();
});

test('FileJournal – concurrentWrites out of range is refused with ISO8583_ERR_CONNECTOR_OPTIONS naming it', () => {
  for (const bad of [0, 65, 1.5, Number.NaN]) {
    assert.throws(() => new FileJournal('/nonexistent', { concurrentWrites: bad }), (err: { code?: string; message?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && /concurrentWrites/.test(String(err.message)));
  }
});
