import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Iso8583Error } from '@iso8583/codec';
import { createInboundEndpoint, loadSequence, registerSequence } from '../src/index.js';
import type { Sequence } from '../src/index.js';

test('loadSequence – a function is returned as it is', async () => {
  const sequence: Sequence = () => undefined;
  assert.equal(await loadSequence(sequence), sequence);
});

test('loadSequence – a registered name comes first', async () => {
  const sequence: Sequence = () => ({ 0: '0810' });
  registerSequence('test-echo', sequence);
  assert.equal(await loadSequence('test-echo'), sequence);
});

test('loadSequence – the host simulator is registered as host-simulator', async () => {
  assert.equal(typeof (await loadSequence('host-simulator')), 'function');
});

test('loadSequence – a module path relative to the working directory: default export, or export named sequence', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-seq-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'default.mjs'), 'export default function (m) { return { 0: "0210", 39: m.mti }; }\n');
  writeFileSync(join(dir, 'named.mjs'), 'export function sequence() { return "named"; }\n');
  writeFileSync(join(dir, 'none.mjs'), 'export const answer = 42;\n');
  const byDefault = await loadSequence(relative(process.cwd(), join(dir, 'default.mjs')));
  assert.deepEqual(byDefault({ mti: '0200' } as never, {} as never), { 0: '0210', 39: '0200' });
  const named = await loadSequence(join(dir, 'named.mjs'));
  assert.equal(named({} as never, {} as never), 'named');
  await assert.rejects(loadSequence(join(dir, 'none.mjs')), { code: 'ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND' });
  await assert.rejects(loadSequence(join(dir, 'missing.mjs')), { code: 'ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND' });
});

test('registerSequence – refuses a name that is empty or a sequence that is not a function', () => {
  assert.throws(() => registerSequence('', () => undefined), { code: 'ISO8583_ERR_INBOUND_OPTIONS' });
  assert.throws(() => registerSequence('x', 'nope' as never), { code: 'ISO8583_ERR_INBOUND_OPTIONS' });
});

test('endpoint start – an onError that does not load is reported as onError (field and message), not as sequence', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-seq-'));
  writeFileSync(join(dir, 'none.mjs'), 'export const answer = 42;\n');
  for (const onError of [join(dir, 'missing.mjs'), join(dir, 'none.mjs'), 'no-such-registered-onerror']) {
    const endpoint = createInboundEndpoint({ port: 0, sequence: () => null, onError });
    t.after(() => endpoint.close({ deadline: 100 }));
    await assert.rejects(endpoint.start(), (err: Iso8583Error) => {
      assert.equal(err.code, 'ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND');
      assert.equal(err.field, 'onError', onError);
      assert.match(err.message, /onError/);
      return true;
    });
  }
  // The sequence's own is still named sequence.
  const endpoint = createInboundEndpoint({ port: 0, sequence: join(dir, 'missing.mjs') });
  t.after(() => endpoint.close({ deadline: 100 }));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await assert.rejects(endpoint.start(), { code: 'ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND', field: 'sequence' });
});
