// The file journal's overlapping writes: up to `concurrentWrites` batches in flight at once, each at its own offset,
// taking effect in order; and what a failed one leaves. The writes go to a real file; a fault injector on the file
// handle's `write` (by the records a write carries) holds a write until the test releases it, or cuts it short with
// ENOSPC after writing part of its bytes for real, so that the order of events is the test's, not the disk's. A crash
// is the file as it is at a chosen point, copied and opened as the next start would open it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';

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
  /** The write puts the first half of its bytes in the file before it waits for its gate (a write a crash cuts). */
  half?: boolean;
  /** Called when such a write returned (its bytes are in the file). */
  returned?: () => void;
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
      if (rule.half === true) await (original as (...a: unknown[]) => ReturnType<Write>).call(this, data, offset, Math.floor(length / 2), position);
      if (rule.gate !== undefined) await rule.gate;
      if (rule.cut === true) {
        await (original as (...a: unknown[]) => ReturnType<Write>).call(this, data, offset, Math.floor(length / 2), position);
        throw Object.assign(new Error('no space left on the device (injected)'), { code: 'ENOSPC' });
      }
    }
    const written = await (original as (...a: unknown[]) => ReturnType<Write>).apply(this, args);
    rule?.returned?.();
    return written;
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

/**
 * Two writes in flight, the second returned and the first held (begun or not, per `half`); the process "crashes"
 * there: the file as it is now is opened by the next start, in another folder. Returns what that start reads back
 * (the entry ids, sorted) and what it logged; the held write is then let go and the journal closed.
 */
async function crashBetweenWrites(t: { after(fn: () => void): void }, half: boolean): Promise<{ ids: string[]; logged: string[]; order: string[] }> {
  const d = dir(t);
  const rules = await injector(t, d);
  const j = new FileJournal(d, { compactInterval: 0 });
  await j.open();
  await j.add(entry('k0'));
  await j.add(entry('k1'));
  const held = gate();
  const firstStarted = gate();
  const secondReturned = gate();
  rules.push({ marker: '"id":"a1"', started: firstStarted.open, gate: held.promise, half }, { marker: '"id":"b1"', returned: secondReturned.open });
  const order: string[] = [];
  // The first batch: a new purchase (a1) and the outcome of k1; the second: another purchase (b1) and k0's outcome.
  const first = track(order, 'a', Promise.all([j.add(entry('a1')), j.done('k1', 'not-needed')]).then(() => undefined));
  await firstStarted.promise;
  const second = track(order, 'b', Promise.all([j.add(entry('b1')), j.done('k0', 'not-needed')]).then(() => undefined));
  await secondReturned.promise;
  assert.deepEqual(order, [], 'nothing acknowledged while the first write is in flight');
  const after = dir(t);
  copyFileSync(j.path, join(after, JOURNAL_FILE));
  const logged: string[] = [];
  const next = new FileJournal(after, { logger: pino({ level: 'info' }, { write: (line: string) => logged.push(line) }) });
  const ids = (await next.open()).map((e) => e.id).sort();
  await next.close();
  held.open();
  await Promise.all([first, second]);
  await j.close();
  return { ids, logged, order };
}

test('FileJournal – a crash with two writes in flight, the second on disk and the first not begun: nothing acknowledged is lost, nothing read back twice', async (t) => {
  const { ids, logged, order } = await crashBetweenWrites(t, false);
  // k1's outcome never reached the disk (its caller never saw it): reversed. k0's did: not reversed (its caller never
  // saw the response either: the process died first). a1 never reached the disk and never left. b1's add did, and
  // its request never left (it waited for the first write): its reversal is harmless (original not found).
  assert.deepEqual(ids, ['b1', 'k1']);
  assert.deepEqual(logged.filter((l) => /JOURNAL_(CORRUPT|CUT)/.test(l)), [], 'no line of the file is spoilt');
  assert.deepEqual(order, ['a ok', 'b ok'], 'without the crash both are acknowledged, in order');
});

test('FileJournal – a crash with two writes in flight, the first cut halfway: its cut record is quarantined as cut (info), every other record read back once', async (t) => {
  const { ids, logged } = await crashBetweenWrites(t, true);
  assert.deepEqual(ids, ['b1', 'k1'], 'the cut add of a1 is no entry; k1 stays live');
  const cut = logged.filter((l) => /JOURNAL_(CORRUPT|CUT)/.test(l)).map((l) => JSON.parse(l) as { code: string; level: number; offsets: number[] });
  assert.equal(cut.length, 1);
  assert.equal(cut[0]?.code, 'ISO8583_WARN_JOURNAL_CUT', 'a write cut by a crash is no corruption, though later records follow it');
  assert.equal(cut[0]?.level, 30, 'logged at info');
  assert.equal(cut[0]?.offsets.length, 1);
});
